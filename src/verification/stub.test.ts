import { describe, expect, it } from 'vitest'
import { analyzeSource } from '../analysis/engine.js'
import { loadLanguageRegistry, type Language } from '../analysis/language-registry.js'
import { verificationRulesSchema, type VerificationRules } from './rules.js'
import { stubCode } from './stub.js'

/*
 * The stub rules these cases are written against, fixed here so that the expected texts do not
 * move when a language.json changes; test/verification/stub.test.ts compiles and runs the stubs
 * of the languages' own rules in the sandbox.
 */
const GO_IMPORT =
  '^(?<lead>[ \\t]*(?:import[ \\t]+)?)(?:(?<alias>[\\w.]+)[ \\t]+)?"(?<path>(?:[^"\\n]*/)?(?<name>[^"/\\n]+))"'
const STUBS: Record<string, VerificationRules['stub']> = {
  python: { style: 'statements', body: 'raise NotImplementedError("stub")' },
  javascript: {
    style: 'block',
    body: '{ throw new Error("not implemented"); }',
    keep_call: 'super\\s*\\(',
  },
  typescript: {
    style: 'block',
    body: '{ throw new Error("not implemented"); }',
    keep_call: 'super\\s*\\(',
  },
  go: {
    style: 'block',
    body: '{ panic("not implemented") }',
    skip: '^\\s*func\\s+init\\s*\\(\\s*\\)',
    unused_import: { pattern: GO_IMPORT, replacement: '$<lead>_ "$<path>"' },
  },
  rust: {
    style: 'block',
    body: '{ unimplemented!() }',
    skip: '\\bfn\\s+drop\\s*\\(\\s*&\\s*mut\\s+self\\s*\\)',
  },
  java: {
    style: 'block',
    body: '{ throw new UnsupportedOperationException("not implemented"); }',
    keep_call: '(?:super|this)\\s*\\(',
  },
  cpp: {
    style: 'block',
    body: '{ throw "not implemented"; }',
    skip: '~\\s*\\w+\\s*\\(|\\bnoexcept\\b(?!\\s*\\(\\s*false)|\\bauto\\s+[\\w:]+\\s*\\((?![\\s\\S]*->)',
  },
  c: { style: 'block', body: '{ __builtin_trap(); }' },
  ruby: { style: 'statements', body: 'raise NotImplementedError' },
  php: {
    style: 'block',
    body: '{ throw new \\RuntimeException("not implemented"); }',
    skip: 'function\\s+__destruct\\b',
  },
  bash: { style: 'block', body: '{ echo "not implemented" >&2; return 99; }' },
}

const registry = loadLanguageRegistry()

function withStub(id: string, stub: VerificationRules['stub'] = STUBS[id]!): Language {
  const verification = verificationRulesSchema.parse({
    runner: 'runner',
    packages: ['package'],
    version: { command: 'runner --version', pattern: '(\\S+)' },
    steps: [{ phase: 'test', command: 'runner' }],
    report: { format: 'junit-xml' },
    stub,
  })
  return { ...registry.resolve(id), verification }
}

async function stub(language: Language, code: string): Promise<string | null> {
  return stubCode(code, await analyzeSource(code, language), language)
}

const CASES: [id: string, pitfalls: string, code: string, expected: string][] = [
  [
    'python',
    'decorators, docstrings and one-line bodies; a nested function goes with its parent; a lambda stays',
    `import functools

RATE = 3


@functools.lru_cache(maxsize=None)
def fib(n: int) -> int:
    """Return the n-th Fibonacci number."""
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


square = lambda x: x * x


class Account:
    """A bank account."""

    def __init__(self, owner: str) -> None:
        self.owner = owner
        self.balance = 0

    @property
    def rich(self) -> bool: return self.balance > 1000

    def deposit(self, amount: int) -> int:
        def check(value):
            if value <= 0:
                raise ValueError("positive")
        check(amount)
        self.balance += amount
        return self.balance
`,
    `import functools

RATE = 3


@functools.lru_cache(maxsize=None)
def fib(n: int) -> int:
    raise NotImplementedError("stub")


square = lambda x: x * x


class Account:
    """A bank account."""

    def __init__(self, owner: str) -> None:
        raise NotImplementedError("stub")

    @property
    def rich(self) -> bool: raise NotImplementedError("stub")

    def deposit(self, amount: int) -> int:
        raise NotImplementedError("stub")
`,
  ],
  [
    'javascript',
    'named arrows get a block; an anonymous callback at top level stays; super(...) stays first',
    `import { readFileSync } from 'node:fs'

export function total(items) {
  return items.reduce((sum, item) => sum + item.price, 0)
}

export const double = (x) => x * 2

export const parse = async (text) => {
  const inner = () => text.trim()
  return JSON.parse(inner())
}

const handlers = [1, 2].map((n) => n + 1)

export class Base {
  constructor(name) {
    this.name = name
  }
}

export class Child extends Base {
  static create = () => new Child('x')

  constructor(name, age) {
    // a comment before the call
    super(name.trim(), "(x)")
    this.age = age
  }

  get label() {
    return \`\${this.name} (\${this.age})\`
  }
}
`,
    `import { readFileSync } from 'node:fs'

export function total(items) { throw new Error("not implemented"); }

export const double = (x) => { throw new Error("not implemented"); }

export const parse = async (text) => { throw new Error("not implemented"); }

const handlers = [1, 2].map((n) => n + 1)

export class Base {
  constructor(name) { throw new Error("not implemented"); }
}

export class Child extends Base {
  static create = () => { throw new Error("not implemented"); }

  constructor(name, age) { super(name.trim(), "(x)"); throw new Error("not implemented"); }

  get label() { throw new Error("not implemented"); }
}
`,
  ],
  [
    'typescript',
    'abstract methods, interfaces and overload signatures have no body; a derived constructor keeps super(...)',
    `export interface Shape {
  area(): number
}

export abstract class Base implements Shape {
  constructor(protected readonly name: string) {}
  abstract area(): number
  describe(): string {
    return \`\${this.name}: \${this.area()}\`
  }
}

export class Square extends Base {
  constructor(private side: number) {
    super('square')
  }
  area(): number {
    return this.side ** 2
  }
}

export function pick(value: string): string
export function pick(value: number): number
export function pick(value: string | number): string | number {
  return value
}

export const half = (n: number): number => n / 2
export const wrap = <T,>(value: T) => ({ value })
`,
    `export interface Shape {
  area(): number
}

export abstract class Base implements Shape {
  constructor(protected readonly name: string) { throw new Error("not implemented"); }
  abstract area(): number
  describe(): string { throw new Error("not implemented"); }
}

export class Square extends Base {
  constructor(private side: number) { super('square'); throw new Error("not implemented"); }
  area(): number { throw new Error("not implemented"); }
}

export function pick(value: string): string
export function pick(value: number): number
export function pick(value: string | number): string | number { throw new Error("not implemented"); }

export const half = (n: number): number => { throw new Error("not implemented"); }
export const wrap = <T,>(value: T) => { throw new Error("not implemented"); }
`,
  ],
  [
    'go',
    'named results need no return after panic; imports only the bodies used (a comment does not count) become blank imports; init stays',
    `package solution

import (
	"errors"
	"fmt"
	str "strings"
	"sort"
)

// ErrEmpty is returned for empty input.
var ErrEmpty = errors.New("empty")

var stopWords map[string]bool

func init() {
	stopWords = map[string]bool{"a": true, "the": true}
}

type Counter struct {
	words map[string]int
}

// Add counts the words of text.
func (c *Counter) Add(text string) (added int, err error) {
	if text == "" {
		return 0, ErrEmpty
	}
	for _, word := range str.Fields(text) {
		c.words[word]++
		added++
	}
	return
}

func Top(c *Counter, n int) []string {
	keys := make([]string, 0, len(c.words))
	for k := range c.words {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	less := func(i, j int) bool { return c.words[keys[i]] > c.words[keys[j]] }
	sort.SliceStable(keys, less)
	return keys[:n]
}

// Describe says how many words c holds, with fmt.Sprintf.
func Describe(c *Counter) string {
	return fmt.Sprintf("%d words", len(c.words))
}

func Sorter() sort.Interface { return sort.StringSlice(nil) }
`,
    `package solution

import (
	"errors"
	_ "fmt"
	_ "strings"
	"sort"
)

// ErrEmpty is returned for empty input.
var ErrEmpty = errors.New("empty")

var stopWords map[string]bool

func init() {
	stopWords = map[string]bool{"a": true, "the": true}
}

type Counter struct {
	words map[string]int
}

// Add counts the words of text.
func (c *Counter) Add(text string) (added int, err error) { panic("not implemented") }

func Top(c *Counter, n int) []string { panic("not implemented") }

// Describe says how many words c holds, with fmt.Sprintf.
func Describe(c *Counter) string { panic("not implemented") }

func Sorter() sort.Interface { panic("not implemented") }
`,
  ],
  [
    'rust',
    'trait signatures stay, default methods and impl blocks are stubbed, Drop stays, closures go with their function',
    `use std::collections::HashMap;

pub trait Shape {
    fn area(&self) -> f64;
    fn describe(&self) -> String {
        format!("area {}", self.area())
    }
}

pub struct Circle {
    pub r: f64,
}

impl Shape for Circle {
    fn area(&self) -> f64 {
        std::f64::consts::PI * self.r * self.r
    }
}

impl Drop for Circle {
    fn drop(&mut self) {
        self.r = 0.0;
    }
}

impl Circle {
    pub fn new(r: f64) -> Self {
        Circle { r }
    }
}

pub fn counts(text: &str) -> HashMap<char, usize> {
    let mut map = HashMap::new();
    text.chars().filter(|c| c.is_alphabetic()).for_each(|c| *map.entry(c).or_insert(0) += 1);
    map
}

pub mod util {
    pub fn clamp(x: i32, lo: i32, hi: i32) -> i32 {
        x.max(lo).min(hi)
    }
}
`,
    `use std::collections::HashMap;

pub trait Shape {
    fn area(&self) -> f64;
    fn describe(&self) -> String { unimplemented!() }
}

pub struct Circle {
    pub r: f64,
}

impl Shape for Circle {
    fn area(&self) -> f64 { unimplemented!() }
}

impl Drop for Circle {
    fn drop(&mut self) {
        self.r = 0.0;
    }
}

impl Circle {
    pub fn new(r: f64) -> Self { unimplemented!() }
}

pub fn counts(text: &str) -> HashMap<char, usize> { unimplemented!() }

pub mod util {
    pub fn clamp(x: i32, lo: i32, hi: i32) -> i32 { unimplemented!() }
}
`,
  ],
  [
    'java',
    'constructors keep super(...)/this(...); abstract and interface methods stay; an anonymous lambda in a field stays',
    `import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

interface Shape {
    double area();

    default String describe() {
        return "area " + area();
    }
}

abstract class Named {
    protected final String name;

    Named(String name) {
        this.name = name;
    }

    abstract String kind();
}

public class Solution extends Named implements Shape {
    static final Function<Integer, Integer> SQUARE = x -> x * x;
    private final double side;

    public Solution(double side) {
        super("square(" + side + ")");
        this.side = side;
    }

    public Solution() {
        this(1.0);
    }

    @Override
    public double area() {
        Runnable r = new Runnable() {
            public void run() { System.out.println("x"); }
        };
        return side * side;
    }

    @Override
    String kind() { return "square"; }

    public static List<String> split(String text) {
        List<String> parts = new ArrayList<>();
        for (String part : text.split(",")) parts.add(part.trim());
        return parts;
    }
}
`,
    `import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

interface Shape {
    double area();

    default String describe() { throw new UnsupportedOperationException("not implemented"); }
}

abstract class Named {
    protected final String name;

    Named(String name) { throw new UnsupportedOperationException("not implemented"); }

    abstract String kind();
}

public class Solution extends Named implements Shape {
    static final Function<Integer, Integer> SQUARE = x -> x * x;
    private final double side;

    public Solution(double side) { super("square(" + side + ")"); throw new UnsupportedOperationException("not implemented"); }

    public Solution() { this(1.0); throw new UnsupportedOperationException("not implemented"); }

    @Override
    public double area() { throw new UnsupportedOperationException("not implemented"); }

    @Override
    String kind() { throw new UnsupportedOperationException("not implemented"); }

    public static List<String> split(String text) { throw new UnsupportedOperationException("not implemented"); }
}
`,
  ],
  [
    'cpp',
    'destructors, noexcept and deduced-return functions stay; = default and pure virtual have no body',
    `#include <string>
#include <vector>
#include <algorithm>

namespace shop {

class Cart {
public:
    Cart() : total_(0) {}
    ~Cart() { items_.clear(); }
    Cart(const Cart&) = default;
    virtual int size() const = 0;
    int count() const noexcept { return static_cast<int>(items_.size()); }
    void add(const std::string& item) {
        items_.push_back(item);
    }
    std::vector<std::string> sorted() const;

private:
    int total_;
    std::vector<std::string> items_;
};

std::vector<std::string> Cart::sorted() const {
    auto copy = items_;
    std::sort(copy.begin(), copy.end(), [](const std::string& a, const std::string& b) { return a < b; });
    return copy;
}

auto twice(int x) { return x * 2; }

}  // namespace shop

int clamp(int x, int lo, int hi) {
    return std::max(lo, std::min(x, hi));
}
`,
    `#include <string>
#include <vector>
#include <algorithm>

namespace shop {

class Cart {
public:
    Cart() : total_(0) { throw "not implemented"; }
    ~Cart() { items_.clear(); }
    Cart(const Cart&) = default;
    virtual int size() const = 0;
    int count() const noexcept { return static_cast<int>(items_.size()); }
    void add(const std::string& item) { throw "not implemented"; }
    std::vector<std::string> sorted() const;

private:
    int total_;
    std::vector<std::string> items_;
};

std::vector<std::string> Cart::sorted() const { throw "not implemented"; }

auto twice(int x) { return x * 2; }

}  // namespace shop

int clamp(int x, int lo, int hi) { throw "not implemented"; }
`,
  ],
  [
    'c',
    'prototypes stay; a body on its own line is replaced where it is',
    `#include <stddef.h>
#include <ctype.h>

size_t count_words(const char *text);

static int is_sep(char c) { return isspace((unsigned char)c); }

size_t count_words(const char *text) {
    size_t count = 0;
    int in_word = 0;
    for (; *text; ++text) {
        if (is_sep(*text)) in_word = 0;
        else if (!in_word) { in_word = 1; ++count; }
    }
    return count;
}

struct point { int x, y; };

struct point origin(void)
{
    struct point p = {0, 0};
    return p;
}
`,
    `#include <stddef.h>
#include <ctype.h>

size_t count_words(const char *text);

static int is_sep(char c) { __builtin_trap(); }

size_t count_words(const char *text) { __builtin_trap(); }

struct point { int x, y; };

struct point origin(void)
{ __builtin_trap(); }
`,
  ],
  [
    'ruby',
    'endless methods, rescue clauses and singleton methods; an empty method and a lambda stay',
    `require 'json'

module Config
  class Reader
    attr_reader :values

    def initialize(defaults = {})
      @values = defaults.dup
    end

    def fetch(key) = @values.fetch(key)

    def load(text)
      JSON.parse(text).each { |k, v| @values[k] = v }
      self
    rescue JSON::ParserError
      nil
    end

    def noop; end

    def self.default
      new('a' => 1)
    end
  end

  SQUARE = ->(x) { x * x }
end
`,
    `require 'json'

module Config
  class Reader
    attr_reader :values

    def initialize(defaults = {})
      raise NotImplementedError
    end

    def fetch(key) = raise NotImplementedError

    def load(text)
      raise NotImplementedError
    end

    def noop; end

    def self.default
      raise NotImplementedError
    end
  end

  SQUARE = ->(x) { x * x }
end
`,
  ],
  [
    'php',
    'interface and abstract methods stay; an arrow function stays',
    `<?php

declare(strict_types=1);

namespace App;

interface Pricing
{
    public function price(int $qty): float;
}

abstract class Base implements Pricing
{
    public function __construct(protected float $unit) {}

    abstract protected function discount(): float;

    public function price(int $qty): float
    {
        $total = $qty * $this->unit;
        return round($total * (1 - $this->discount()), 2);
    }
}

function format_price(float $value): string
{
    $fmt = fn($v) => number_format($v, 2);
    return $fmt($value) . ' EUR';
}

$double = fn(int $x): int => $x * 2;
`,
    `<?php

declare(strict_types=1);

namespace App;

interface Pricing
{
    public function price(int $qty): float;
}

abstract class Base implements Pricing
{
    public function __construct(protected float $unit) { throw new \\RuntimeException("not implemented"); }

    abstract protected function discount(): float;

    public function price(int $qty): float
    { throw new \\RuntimeException("not implemented"); }
}

function format_price(float $value): string
{ throw new \\RuntimeException("not implemented"); }

$double = fn(int $x): int => $x * 2;
`,
  ],
  [
    'bash',
    'both function syntaxes and a subshell body; the main guard stays',
    `#!/usr/bin/env bash
set -euo pipefail

log() {
  printf '%s\\n' "$*" >&2
}

function usage {
  echo "usage: \${0##*/} DIR"
}

count_files() (
  cd "$1" && ls | wc -l
)

main() {
  [[ $# -ge 1 ]] || { usage; return 1; }
  count_files "$1"
}

if [[ "\${BASH_SOURCE[0]}" == "$0" ]]; then
  main "$@"
fi
`,
    `#!/usr/bin/env bash
set -euo pipefail

log() { echo "not implemented" >&2; return 99; }

function usage { echo "not implemented" >&2; return 99; }

count_files() { echo "not implemented" >&2; return 99; }

main() { echo "not implemented" >&2; return 99; }

if [[ "\${BASH_SOURCE[0]}" == "$0" ]]; then
  main "$@"
fi
`,
  ],
]

describe('stubCode', () => {
  it.each(CASES)('%s: %s', async (id, _pitfalls, code, expected) => {
    expect(await stub(withStub(id), code)).toBe(expected)
  })

  it('answers null when no function has a body to replace', async () => {
    expect(await stub(withStub('python'), 'RATE = 3\nsquare = lambda x: x * x\n')).toBeNull()
    expect(await stub(withStub('javascript'), '[1, 2].forEach((n) => console.log(n))\n')).toBeNull()
    expect(await stub(withStub('java'), 'interface Shape { double area(); }\n')).toBeNull()
    expect(await stub(withStub('cpp'), 'struct A { ~A() { } };\n')).toBeNull()
  })

  it('answers null for a language without stub rules', async () => {
    const language = registry.resolve('kotlin')
    const code = 'fun f(x: Int): Int = x + 1\n'
    expect(stubCode(code, await analyzeSource(code, language), language)).toBeNull()
  })

  it('indents every line of a statements stub like the body it replaces', async () => {
    const language = withStub('python', {
      style: 'statements',
      body: 'import sys\nraise NotImplementedError(sys.argv)',
    })
    expect(await stub(language, 'class A:\n    def f(self):\n        return 1\n')).toBe(
      'class A:\n    def f(self):\n        import sys\n        raise NotImplementedError(sys.argv)\n',
    )
    expect(await stub(language, 'def g(): return 1\n')).toBe(
      'def g(): import sys; raise NotImplementedError(sys.argv)\n',
    )
  })

  it('cuts bodies at UTF-16 offsets, whatever non-ASCII text comes before them', async () => {
    const code = '# Größe 😀\ndef size(text: str) -> int:\n    return len("ß😀" + text)\n'
    expect(await stub(withStub('python'), code)).toBe(
      '# Größe 😀\ndef size(text: str) -> int:\n    raise NotImplementedError("stub")\n',
    )
  })

  it('keeps a leading super call whose arguments hold parentheses, strings and comments', async () => {
    const code = [
      'class B extends A {',
      '  B(int x) {',
      '    /* first */ super(f(x), ")(", g(h(x)) /* ) */);',
      '    y = x;',
      '  }',
      '}',
      '',
    ].join('\n')
    expect(await stub(withStub('java'), code)).toBe(
      [
        'class B extends A {',
        '  B(int x) { super(f(x), ")(", g(h(x)) /* ) */); throw new UnsupportedOperationException("not implemented"); }',
        '}',
        '',
      ].join('\n'),
    )
  })

  it("matches the skip pattern from the function's first line, when its body starts on a later one", async () => {
    const code =
      'Stack::~Stack()\n{\n    items.clear();\n}\n\nint Stack::pop()\n{\n    return 1;\n}\n'
    expect(await stub(withStub('cpp'), code)).toBe(
      'Stack::~Stack()\n{\n    items.clear();\n}\n\nint Stack::pop()\n{ throw "not implemented"; }\n',
    )
  })

  it('leaves a Go import alone while a signature or a package-level value still uses it', async () => {
    const code = [
      'package solution',
      '',
      'import "strings"',
      'import m "math"',
      '',
      'var Pi = m.Pi',
      '',
      'func Upper(b *strings.Builder) string {',
      '\treturn strings.ToUpper(b.String())',
      '}',
      '',
    ].join('\n')
    expect(await stub(withStub('go'), code)).toBe(
      code.replace(
        /\{\n\treturn strings.ToUpper\(b.String\(\)\)\n\}/,
        '{ panic("not implemented") }',
      ),
    )
  })
})
