import type { GrammarGap } from './grammar-limits-rules.js'

/**
 * Each match of a gap's pattern replaced by its stand-in, the rest of the match blanked, line
 * breaks kept. A match shorter than the stand-in, or whose stand-in would cover a line break, is
 * left alone.
 */
export function swapInStandIns(source: string, gaps: readonly GrammarGap[]): string {
  let text = source
  for (const gap of gaps) {
    text = text.replace(new RegExp(gap.pattern, 'gm'), (match: string) => {
      if (gap.stand_in.length > match.length) return match
      if (match.slice(0, gap.stand_in.length).includes('\n')) return match
      return gap.stand_in + match.slice(gap.stand_in.length).replace(/[^\r\n]/g, ' ')
    })
  }
  return text
}
