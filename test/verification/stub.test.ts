import { beforeAll, describe, expect, it } from 'vitest'
import { analyzeSource } from '../../src/analysis/engine.js'
import { loadLanguageRegistry } from '../../src/analysis/language-registry.js'
import { Verifier } from '../../src/services/verification/verifier.js'
import { stubCode } from '../../src/verification/stub.js'
import type { TestFiles } from '../../src/verification/test-run.js'
import { sandboxOrSkip } from '../sandbox/helpers.js'

/*
 * The stub gate on real programs, with each language's own stub rules (language.json), through
 * the real sandbox and runner: the tests pass on the code, and on its stub they compile and every
 * one of them fails. Each program holds what breaks a naive stub in its language: constructors
 * that must call super(...)/this(...), imports only the bodies use, destructors and Drop, Go's init,
 * named results, endless methods, trait default methods, decorators.
 */
const PROGRAMS: [id: string, files: TestFiles][] = [
  [
    'python',
    {
      code: `"""Word statistics."""
from collections import Counter


class WordStats:
    """Counts the words of a text."""

    def __init__(self, text: str) -> None:
        self.counts = Counter(text.lower().split())

    @property
    def distinct(self) -> int:
        return len(self.counts)

    def top(self, n: int) -> list[str]:
        """The n most frequent words."""
        return [word for word, _ in self.counts.most_common(n)]


def is_palindrome(word: str) -> bool:
    """Whether word reads the same backwards, ignoring case and punctuation."""
    cleaned = "".join(ch for ch in word.lower() if ch.isalnum())
    return cleaned == cleaned[::-1]
`,
      tests: `import pytest

from solution import WordStats, is_palindrome


def test_distinct():
    assert WordStats("a b A").distinct == 2


def test_top():
    assert WordStats("b a b").top(1) == ["b"]


@pytest.mark.parametrize("word, expected", [("Race car!", True), ("abc", False)])
def test_palindrome(word, expected):
    assert is_palindrome(word) is expected
`,
    },
  ],
  [
    'javascript',
    {
      code: `export class Shape {
  constructor(name) {
    this.name = name
  }

  describe() {
    return \`\${this.name} with area \${this.area()}\`
  }
}

export class Square extends Shape {
  constructor(side) {
    super('square')
    this.side = side
  }

  area() {
    return this.side * this.side
  }
}

export const double = (x) => x * 2

export function sum(values) {
  return values.reduce((total, value) => total + value, 0)
}
`,
      tests: `import { Square, double, sum } from './solution.js'

test('a square has the area of its side squared', () => {
  expect(new Square(3).area()).toBe(9)
})

test('a shape describes itself', () => {
  expect(new Square(2).describe()).toBe('square with area 4')
})

test('double doubles', () => {
  expect(double(4)).toBe(8)
})

test('sum adds the values', () => {
  expect(sum([1, 2, 3])).toBe(6)
})
`,
    },
  ],
  [
    'typescript',
    {
      code: `export abstract class Shape {
  constructor(protected readonly name: string) {}

  abstract area(): number

  describe(): string {
    return \`\${this.name} with area \${this.area()}\`
  }
}

export class Square extends Shape {
  constructor(private readonly side: number) {
    super('square')
  }

  area(): number {
    return this.side ** 2
  }
}

export const half = (n: number): number => n / 2

export function parseNumbers(text: string): number[] {
  return text.split(',').map((part) => Number(part.trim()))
}
`,
      tests: `import { describe, expect, it } from '@jest/globals'
import { Square, half, parseNumbers } from './solution'

describe('Square', () => {
  it('has the area of its side squared', () => {
    expect(new Square(3).area()).toBe(9)
  })

  it('describes itself', () => {
    expect(new Square(2).describe()).toBe('square with area 4')
  })
})

it('halves', () => {
  expect(half(3)).toBe(1.5)
})

it('parses comma-separated numbers', () => {
  expect(parseNumbers('1, 2,3')).toEqual([1, 2, 3])
})
`,
    },
  ],
  [
    'go',
    {
      code: `package solution

import (
	"errors"
	"sort"
	"strings"
)

// ErrEmpty is returned for text without words.
var ErrEmpty = errors.New("empty input")

var ignored map[string]bool

func init() {
	ignored = map[string]bool{"the": true}
}

// Counter counts words.
type Counter struct {
	words map[string]int
}

// NewCounter returns an empty counter.
func NewCounter() *Counter {
	return &Counter{words: map[string]int{}}
}

// Add counts the words of text.
func (c *Counter) Add(text string) (added int, err error) {
	if strings.TrimSpace(text) == "" {
		return 0, ErrEmpty
	}
	for _, word := range strings.Fields(text) {
		if !ignored[word] {
			c.words[word]++
			added++
		}
	}
	return
}

// Top returns the n most frequent words, ties in alphabetical order (sort.Slice).
func (c *Counter) Top(n int) []string {
	keys := make([]string, 0, len(c.words))
	for key := range c.words {
		keys = append(keys, key)
	}
	sort.Slice(keys, func(i, j int) bool {
		if c.words[keys[i]] != c.words[keys[j]] {
			return c.words[keys[i]] > c.words[keys[j]]
		}
		return keys[i] < keys[j]
	})
	if n < len(keys) {
		keys = keys[:n]
	}
	return keys
}
`,
      tests: `package solution

import "testing"

func TestAddCountsWordsButThe(t *testing.T) {
	added, err := NewCounter().Add("a b the a")
	if err != nil || added != 3 {
		t.Fatalf("Add = %d, %v; want 3, nil", added, err)
	}
}

func TestAddRejectsEmptyText(t *testing.T) {
	if _, err := NewCounter().Add("  "); err != ErrEmpty {
		t.Fatalf("Add error = %v; want ErrEmpty", err)
	}
}

func TestTopOrdersByCount(t *testing.T) {
	counter := NewCounter()
	counter.Add("b a b c")
	if got := counter.Top(2); len(got) != 2 || got[0] != "b" || got[1] != "a" {
		t.Fatalf("Top(2) = %v; want [b a]", got)
	}
}
`,
    },
  ],
  [
    'rust',
    {
      code: `use std::collections::HashMap;

/// A plane shape.
pub trait Shape {
    fn area(&self) -> f64;

    fn describe(&self) -> String {
        format!("area {:.1}", self.area())
    }
}

pub struct Square {
    side: f64,
}

impl Square {
    pub fn new(side: f64) -> Self {
        Square { side }
    }
}

impl Shape for Square {
    fn area(&self) -> f64 {
        self.side * self.side
    }
}

/// Counts its uses; resets the count when dropped.
pub struct Tally {
    pub count: u32,
}

impl Tally {
    pub fn bump(&mut self) -> u32 {
        self.count += 1;
        self.count
    }
}

impl Drop for Tally {
    fn drop(&mut self) {
        self.count = 0;
    }
}

/// How often each letter occurs in \`text\`.
pub fn letter_counts(text: &str) -> HashMap<char, usize> {
    let mut counts = HashMap::new();
    for c in text.chars().filter(|c| c.is_alphabetic()) {
        *counts.entry(c).or_insert(0) += 1;
    }
    counts
}
`,
      tests: `use solution::*;

#[test]
fn square_area() {
    assert_eq!(Square::new(3.0).area(), 9.0);
}

#[test]
fn square_describes_itself() {
    assert_eq!(Square::new(2.0).describe(), "area 4.0");
}

#[test]
fn tally_bumps() {
    let mut tally = Tally { count: 0 };
    assert_eq!(tally.bump(), 1);
}

#[test]
fn counts_letters_only() {
    let counts = letter_counts("aba!");
    assert_eq!(counts[&'a'], 2);
    assert_eq!(counts.get(&'!'), None);
}
`,
    },
  ],
  [
    'java',
    {
      code: `import java.util.ArrayList;
import java.util.List;

abstract class Shape {
    private final String name;

    Shape(String name) {
        this.name = name;
    }

    abstract double area();

    String describe() {
        return name + " with area " + area();
    }
}

class Square extends Shape {
    private final double side;

    Square(double side) {
        super("square");
        this.side = side;
    }

    Square() {
        this(1.0);
    }

    @Override
    double area() {
        return side * side;
    }
}

public class Solution {
    /** The even values, in order. */
    public static List<Integer> evens(List<Integer> values) {
        List<Integer> result = new ArrayList<>();
        for (int value : values) {
            if (value % 2 == 0) {
                result.add(value);
            }
        }
        return result;
    }
}
`,
      tests: `import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;

class SolutionTest {
    @Test
    void squareArea() {
        assertEquals(9.0, new Square(3).area());
    }

    @Test
    void defaultSquareHasSideOne() {
        assertEquals(1.0, new Square().area());
    }

    @Test
    void describesItself() {
        assertEquals("square with area 4.0", new Square(2).describe());
    }

    @Test
    void keepsEvens() {
        assertEquals(List.of(2, 4), Solution.evens(List.of(1, 2, 3, 4)));
    }
}
`,
    },
  ],
  [
    'cpp',
    {
      code: `#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

class Stack {
public:
    explicit Stack(std::size_t capacity) : capacity_(capacity) {}
    ~Stack() { items_.clear(); }

    void push(int value) {
        if (items_.size() == capacity_) throw std::length_error("full");
        items_.push_back(value);
    }

    int pop() {
        if (items_.empty()) throw std::out_of_range("empty");
        int top = items_.back();
        items_.pop_back();
        return top;
    }

    std::size_t size() const noexcept { return items_.size(); }

private:
    std::size_t capacity_;
    std::vector<int> items_;
};

std::string reversed(const std::string& text) {
    std::string copy(text);
    std::reverse(copy.begin(), copy.end());
    return copy;
}
`,
      tests: `#include <gtest/gtest.h>

#include "solution.cpp"

TEST(Stack, PopsTheLastPushed) {
    Stack stack(2);
    stack.push(1);
    stack.push(2);
    EXPECT_EQ(stack.pop(), 2);
    EXPECT_EQ(stack.size(), 1u);
}

TEST(Stack, RefusesPastCapacity) {
    Stack stack(1);
    stack.push(1);
    EXPECT_THROW(stack.push(2), std::length_error);
}

TEST(Reversed, ReversesAWord) {
    EXPECT_EQ(reversed("abc"), "cba");
}
`,
    },
  ],
  [
    'c',
    {
      code: `#include <ctype.h>
#include <stddef.h>
#include <string.h>

/* Counts the words of text, separated by white space. */
size_t count_words(const char *text)
{
    size_t count = 0;
    int in_word = 0;
    for (; *text != '\\0'; ++text) {
        if (isspace((unsigned char)*text)) {
            in_word = 0;
        } else if (!in_word) {
            in_word = 1;
            ++count;
        }
    }
    return count;
}

static int clamp(int value, int low, int high)
{
    return value < low ? low : value > high ? high : value;
}

int scale(int value)
{
    return clamp(value * 2, 0, 100);
}

int is_palindrome(const char *text)
{
    size_t length = strlen(text);
    for (size_t i = 0; i < length / 2; ++i) {
        if (text[i] != text[length - 1 - i]) {
            return 0;
        }
    }
    return 1;
}
`,
      tests: `#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "solution.c"

static void test_count_words_counts_words(void **state)
{
    (void)state;
    assert_int_equal(count_words(" a bb  c "), 3);
}

static void test_scale_clamps(void **state)
{
    (void)state;
    assert_int_equal(scale(70), 100);
    assert_int_equal(scale(-1), 0);
}

static void test_is_palindrome_checks_both_ends(void **state)
{
    (void)state;
    assert_true(is_palindrome("abba"));
    assert_false(is_palindrome("abc"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_count_words_counts_words),
        cmocka_unit_test(test_scale_clamps),
        cmocka_unit_test(test_is_palindrome_checks_both_ends),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
`,
    },
  ],
  [
    'ruby',
    {
      code: `# frozen_string_literal: true

module Inventory
  # Counts of named items.
  class Stock
    attr_reader :items

    def initialize
      @items = Hash.new(0)
    end

    def add(name, count = 1)
      raise ArgumentError, 'count must be positive' unless count.positive?

      @items[name] += count
      self
    end

    def total = @items.values.sum

    def self.from_list(names)
      names.each_with_object(new) { |name, stock| stock.add(name) }
    end
  end

  def self.normalise(name)
    name.strip.downcase
  rescue NoMethodError
    ''
  end
end
`,
      tests: `require_relative 'solution'

RSpec.describe Inventory::Stock do
  it 'adds items' do
    expect(described_class.new.add('a', 2).items).to eq('a' => 2)
  end

  it 'rejects a count that is not positive' do
    expect { described_class.new.add('a', 0) }.to raise_error(ArgumentError, /positive/)
  end

  it 'totals the counts' do
    expect(described_class.from_list(%w[a b a]).total).to eq(3)
  end
end

RSpec.describe Inventory do
  it 'normalises names' do
    expect(described_class.normalise(' Apple ')).to eq('apple')
  end

  it 'normalises nil to an empty string' do
    expect(described_class.normalise(nil)).to eq('')
  end
end
`,
    },
  ],
  [
    'php',
    {
      code: `<?php

declare(strict_types=1);

interface Pricing
{
    public function price(int $quantity): float;
}

abstract class Base implements Pricing
{
    public function __construct(protected float $unit)
    {
    }

    abstract protected function discount(int $quantity): float;

    public function price(int $quantity): float
    {
        if ($quantity < 0) {
            throw new InvalidArgumentException('negative quantity');
        }
        return round($quantity * $this->unit * (1 - $this->discount($quantity)), 2);
    }
}

final class Bulk extends Base
{
    protected function discount(int $quantity): float
    {
        return $quantity >= 10 ? 0.1 : 0.0;
    }
}

function slugify(string $text): string
{
    $lower = strtolower(trim($text));
    return trim((string) preg_replace('/[^a-z0-9]+/', '-', $lower), '-');
}
`,
      tests: `<?php

declare(strict_types=1);

use PHPUnit\\Framework\\TestCase;

require_once __DIR__ . '/Solution.php';

final class SolutionTest extends TestCase
{
    public function testPriceWithoutDiscount(): void
    {
        $this->assertSame(10.0, (new Bulk(2.0))->price(5));
    }

    public function testPriceWithBulkDiscount(): void
    {
        $this->assertSame(18.0, (new Bulk(2.0))->price(10));
    }

    public function testNegativeQuantityIsRefused(): void
    {
        $this->expectException(InvalidArgumentException::class);
        (new Bulk(1.0))->price(-1);
    }

    public function testSlugify(): void
    {
        $this->assertSame('hello-world', slugify(' Hello, World! '));
    }
}
`,
    },
  ],
  [
    'bash',
    {
      code: `#!/usr/bin/env bash
# Small text helpers.

trim() {
  local text="$1"
  text="\${text#"\${text%%[![:space:]]*}"}"
  text="\${text%"\${text##*[![:space:]]}"}"
  printf '%s\\n' "$text"
}

function count_words {
  local -a words
  read -r -a words <<< "$1"
  echo "\${#words[@]}"
}

upper() (
  printf '%s\\n' "\${1^^}"
)

main() {
  count_words "$*"
}

if [[ "\${BASH_SOURCE[0]}" == "$0" ]]; then
  main "$@"
fi
`,
      tests: `setup() {
  source "\${BATS_TEST_DIRNAME}/solution.sh"
}

@test "trim removes surrounding spaces" {
  run trim "  a b  "
  [ "$status" -eq 0 ]
  [ "$output" = "a b" ]
}

@test "count_words counts words" {
  run count_words "one two  three"
  [ "$output" = "3" ]
}

@test "upper capitalises" {
  run upper "abc"
  [ "$output" = "ABC" ]
}
`,
    },
  ],
]

const registry = loadLanguageRegistry()
let verifier: Verifier | null = null

beforeAll(async () => {
  const sandbox = await sandboxOrSkip()
  if (!sandbox) return
  verifier = new Verifier(sandbox, registry, {
    enabled: true,
    limits: { timeoutMs: 60_000, memoryMb: 1024, outputBytes: 65_536 },
    concurrency: 2,
  })
  await verifier.start()
}, 120_000)

describe.each(PROGRAMS)('the stub of a %s program', (id, program) => {
  it('compiles, and every test that passes on the code fails on it', async (context) => {
    if (!verifier) return context.skip()
    const language = registry.resolve(id)
    const toolchain = verifier.language(language)
    if (!toolchain.available && process.env.CI !== 'true') {
      console.warn(`${id}: ${toolchain.reason}; its stub is not run`)
      return context.skip()
    }
    const real = await verifier.run(language, program)
    expect(real.status, real.output).toBe('passed')

    const stub = stubCode(program.code, await analyzeSource(program.code, language), language)
    expect(stub).not.toBeNull()
    const files = { code: stub!, tests: program.tests }
    expect(await verifier.checkSyntax(language, 'code', files)).not.toBe(false)
    const run = await verifier.run(language, files)
    expect(run.reason, run.output).not.toBe('compile error')
    expect(run.status, run.output).toBe('failed')
    expect(run.tests).toMatchObject({ total: real.tests.total, passed: 0 })
  }, 180_000)
})
