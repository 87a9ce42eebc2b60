use std::collections::HashMap;

/// A word counter that ignores stop words.
pub struct WordCounter {
    counts: HashMap<String, usize>,
    stop_words: Vec<String>,
}

impl WordCounter {
    pub fn new(stop_words: &[&str]) -> Self {
        WordCounter {
            counts: HashMap::new(),
            stop_words: stop_words.iter().map(|w| w.to_string()).collect(),
        }
    }

    pub fn add_text(&mut self, text: &str) -> usize {
        let mut added = 0;
        for word in text.split_whitespace() {
            let word = word.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase();
            if word.is_empty() || self.stop_words.contains(&word) {
                continue;
            }
            *self.counts.entry(word).or_insert(0) += 1;
            added += 1;
        }
        added
    }

    pub fn top(&self, n: usize) -> Vec<(&String, &usize)> {
        let mut entries: Vec<_> = self.counts.iter().collect();
        entries.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        entries.truncate(n);
        entries
    }
}

pub fn parse_limit(input: Option<&str>, default: usize) -> Result<usize, String> {
    match input {
        None => Ok(default),
        Some(text) => match text.parse::<usize>() {
            Ok(0) => Err("limit must be positive".to_string()),
            Ok(value) if value > 1000 => Ok(1000),
            Ok(value) => Ok(value),
            Err(e) => Err(format!("bad limit '{}': {}", text, e)),
        },
    }
}
