/**
 * Hand-written code and tests for each runnable language, following the conventions its
 * language.json states (file names, how the tests reach the code): `add(a, b)` and two tests,
 * one of which `failingTests` gets wrong (it expects add(-1, -2) to be -4), and `brokenCode`
 * that the compiler rejects (its syntax, or in typescript, go and rust its types).
 */
export interface Sample {
  code: string
  tests: string
  /** The passing run's case names, in the runner's order. */
  cases: string[]
  failingTests: string
  /** The case that fails in `failingTests`, and a piece of its message. */
  failingCase: string
  failingMessage: string
  brokenCode: string
  /** A piece of the compiler's complaint about `brokenCode`. */
  compilerSays: string
  /** Whether `brokenCode` breaks the syntax (the syntax check sees it) rather than the types. */
  brokenSyntax: boolean
}

export const SAMPLES: Record<string, Sample> = {
  python: {
    code: `def add(a: int, b: int) -> int:
    """Returns the sum of a and b."""
    return a + b
`,
    tests: `from solution import add


def test_adds_positive_numbers():
    assert add(1, 2) == 3


def test_adds_negative_numbers():
    assert add(-1, -2) == -3
`,
    cases: [
      'test_solution::test_adds_positive_numbers',
      'test_solution::test_adds_negative_numbers',
    ],
    failingTests: `from solution import add


def test_adds_positive_numbers():
    assert add(1, 2) == 3


def test_adds_negative_numbers():
    assert add(-1, -2) == -4
`,
    failingCase: 'test_solution::test_adds_negative_numbers',
    failingMessage: 'assert -3 == -4',
    brokenCode: `def add(a: int, b: int) -> int
    return a + b
`,
    compilerSays: 'SyntaxError',
    brokenSyntax: true,
  },

  javascript: {
    code: `export function add(a, b) {
  return a + b;
}
`,
    tests: `import { describe, test, expect } from '@jest/globals';
import { add } from './solution.js';

describe('add', () => {
  test('adds positive numbers', () => {
    expect(add(1, 2)).toBe(3);
  });
  test('adds negative numbers', () => {
    expect(add(-1, -2)).toBe(-3);
  });
});
`,
    cases: ['add › adds positive numbers', 'add › adds negative numbers'],
    failingTests: `import { describe, test, expect } from '@jest/globals';
import { add } from './solution.js';

describe('add', () => {
  test('adds positive numbers', () => {
    expect(add(1, 2)).toBe(3);
  });
  test('adds negative numbers', () => {
    expect(add(-1, -2)).toBe(-4);
  });
});
`,
    failingCase: 'add › adds negative numbers',
    failingMessage: 'Received: -3',
    brokenCode: `export function add(a, b {
  return a + b;
}
`,
    compilerSays: 'SyntaxError',
    brokenSyntax: true,
  },

  typescript: {
    code: `export function add(a: number, b: number): number {
  return a + b;
}
`,
    tests: `import { describe, it, expect } from '@jest/globals';
import { add } from './solution';

describe('add', () => {
  it('adds positive numbers', () => {
    expect(add(1, 2)).toBe(3);
  });
  it('adds negative numbers', () => {
    expect(add(-1, -2)).toBe(-3);
  });
});
`,
    cases: ['add › adds positive numbers', 'add › adds negative numbers'],
    failingTests: `import { describe, it, expect } from '@jest/globals';
import { add } from './solution';

describe('add', () => {
  it('adds positive numbers', () => {
    expect(add(1, 2)).toBe(3);
  });
  it('adds negative numbers', () => {
    expect(add(-1, -2)).toBe(-4);
  });
});
`,
    failingCase: 'add › adds negative numbers',
    failingMessage: 'Received: -3',
    // A type error, which only the compiler (not the syntax) catches.
    brokenCode: `export function add(a: number, b: number): number {
  return String(a + b);
}
`,
    compilerSays: "Type 'string' is not assignable to type 'number'",
    brokenSyntax: false,
  },

  go: {
    code: `package solution

// Add returns the sum of a and b.
func Add(a, b int) int {
	return a + b
}
`,
    tests: `package solution

import "testing"

func TestAdd(t *testing.T) {
	cases := []struct {
		name       string
		a, b, want int
	}{
		{"positive", 1, 2, 3},
		{"negative", -1, -2, -3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Add(tc.a, tc.b); got != tc.want {
				t.Errorf("Add(%d, %d) = %d, want %d", tc.a, tc.b, got, tc.want)
			}
		})
	}
}
`,
    cases: ['TestAdd/positive', 'TestAdd/negative'],
    failingTests: `package solution

import "testing"

func TestAdd(t *testing.T) {
	cases := []struct {
		name       string
		a, b, want int
	}{
		{"positive", 1, 2, 3},
		{"negative", -1, -2, -4},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Add(tc.a, tc.b); got != tc.want {
				t.Errorf("Add(%d, %d) = %d, want %d", tc.a, tc.b, got, tc.want)
			}
		})
	}
}
`,
    failingCase: 'TestAdd/negative',
    failingMessage: 'Add(-1, -2) = -3, want -4',
    brokenCode: `package solution

func Add(a, b int) int {
	return a + c
}
`,
    compilerSays: 'undefined: c',
    brokenSyntax: false,
  },

  rust: {
    code: `/// Returns the sum of a and b.
pub fn add(a: i64, b: i64) -> i64 {
    a + b
}
`,
    tests: `use solution::*;

#[test]
fn adds_positive_numbers() {
    assert_eq!(add(1, 2), 3);
}

#[test]
fn adds_negative_numbers() {
    assert_eq!(add(-1, -2), -3);
}
`,
    cases: ['adds_negative_numbers', 'adds_positive_numbers'],
    failingTests: `use solution::*;

#[test]
fn adds_positive_numbers() {
    assert_eq!(add(1, 2), 3);
}

#[test]
fn adds_negative_numbers() {
    assert_eq!(add(-1, -2), -4);
}
`,
    failingCase: 'adds_negative_numbers',
    failingMessage: 'left: `-3`',
    brokenCode: `pub fn add(a: i64, b: i64) -> i64 {
    a + b + "1"
}
`,
    compilerSays: 'error[E0277]',
    brokenSyntax: false,
  },

  java: {
    code: `public class Solution {
    /** Returns the sum of a and b. */
    public static long add(long a, long b) {
        return a + b;
    }
}
`,
    tests: `import org.junit.jupiter.api.*;
import static org.junit.jupiter.api.Assertions.*;

class SolutionTest {
    @Test
    void add_positiveNumbers_returnsSum() {
        assertEquals(3, Solution.add(1, 2));
    }

    @Test
    void add_negativeNumbers_returnsSum() {
        assertEquals(-3, Solution.add(-1, -2));
    }
}
`,
    cases: [
      'SolutionTest::add_negativeNumbers_returnsSum()',
      'SolutionTest::add_positiveNumbers_returnsSum()',
    ],
    failingTests: `import org.junit.jupiter.api.*;
import static org.junit.jupiter.api.Assertions.*;

class SolutionTest {
    @Test
    void add_positiveNumbers_returnsSum() {
        assertEquals(3, Solution.add(1, 2));
    }

    @Test
    void add_negativeNumbers_returnsSum() {
        assertEquals(-4, Solution.add(-1, -2));
    }
}
`,
    failingCase: 'SolutionTest::add_negativeNumbers_returnsSum()',
    failingMessage: 'expected: <-4> but was: <-3>',
    brokenCode: `public class Solution {
    public static long add(long a, long b) {
        return a + b
    }
}
`,
    compilerSays: "';' expected",
    brokenSyntax: true,
  },

  cpp: {
    code: `#include <cstdint>

/// Returns the sum of a and b.
std::int64_t add(std::int64_t a, std::int64_t b) { return a + b; }
`,
    tests: `#include <gtest/gtest.h>
#include "solution.cpp"

TEST(Add, PositiveNumbers) { EXPECT_EQ(add(1, 2), 3); }

TEST(Add, NegativeNumbers) { EXPECT_EQ(add(-1, -2), -3); }
`,
    cases: ['Add::PositiveNumbers', 'Add::NegativeNumbers'],
    failingTests: `#include <gtest/gtest.h>
#include "solution.cpp"

TEST(Add, PositiveNumbers) { EXPECT_EQ(add(1, 2), 3); }

TEST(Add, NegativeNumbers) { EXPECT_EQ(add(-1, -2), -4); }
`,
    failingCase: 'Add::NegativeNumbers',
    failingMessage: 'Which is: -3',
    brokenCode: `#include <cstdint>

std::int64_t add(std::int64_t a, std::int64_t b) { return a + b }
`,
    compilerSays: 'expected ‘;’ before ‘}’ token',
    brokenSyntax: true,
  },

  c: {
    code: `#include <stdint.h>

/** @brief Returns the sum of a and b. */
int64_t add(int64_t a, int64_t b) { return a + b; }
`,
    tests: `#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "solution.c"

static void test_add_positive_numbers(void **state) {
    (void)state;
    assert_int_equal(add(1, 2), 3);
}

static void test_add_negative_numbers(void **state) {
    (void)state;
    assert_int_equal(add(-1, -2), -3);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_positive_numbers),
        cmocka_unit_test(test_add_negative_numbers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
`,
    cases: ['test_add_positive_numbers', 'test_add_negative_numbers'],
    failingTests: `#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "solution.c"

static void test_add_positive_numbers(void **state) {
    (void)state;
    assert_int_equal(add(1, 2), 3);
}

static void test_add_negative_numbers(void **state) {
    (void)state;
    assert_int_equal(add(-1, -2), -4);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_positive_numbers),
        cmocka_unit_test(test_add_negative_numbers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
`,
    failingCase: 'test_add_negative_numbers',
    failingMessage: 'test_solution.c:16',
    brokenCode: `#include <stdint.h>

int64_t add(int64_t a, int64_t b) { return a + b }
`,
    compilerSays: 'expected ‘;’ before ‘}’ token',
    brokenSyntax: true,
  },

  ruby: {
    code: `# frozen_string_literal: true

# Arithmetic helpers.
module Solution
  def self.add(a, b)
    a + b
  end
end
`,
    tests: `# frozen_string_literal: true

require_relative 'solution'

RSpec.describe Solution do
  describe '.add' do
    it 'adds positive numbers' do
      expect(Solution.add(1, 2)).to eq(3)
    end

    it 'adds negative numbers' do
      expect(Solution.add(-1, -2)).to eq(-3)
    end
  end
end
`,
    cases: ['Solution.add adds positive numbers', 'Solution.add adds negative numbers'],
    failingTests: `# frozen_string_literal: true

require_relative 'solution'

RSpec.describe Solution do
  describe '.add' do
    it 'adds positive numbers' do
      expect(Solution.add(1, 2)).to eq(3)
    end

    it 'adds negative numbers' do
      expect(Solution.add(-1, -2)).to eq(-4)
    end
  end
end
`,
    failingCase: 'Solution.add adds negative numbers',
    failingMessage: 'got: -3',
    brokenCode: `module Solution
  def self.add(a, b
    a + b
  end
end
`,
    compilerSays: 'syntax error',
    brokenSyntax: true,
  },

  php: {
    code: `<?php

declare(strict_types=1);

final class Solution
{
    public static function add(int $a, int $b): int
    {
        return $a + $b;
    }
}
`,
    tests: `<?php

declare(strict_types=1);

require_once __DIR__ . '/Solution.php';

use PHPUnit\\Framework\\TestCase;

final class SolutionTest extends TestCase
{
    public function testAddsPositiveNumbers(): void
    {
        $this->assertSame(3, Solution::add(1, 2));
    }

    public function testAddsNegativeNumbers(): void
    {
        $this->assertSame(-3, Solution::add(-1, -2));
    }
}
`,
    cases: ['SolutionTest::testAddsPositiveNumbers', 'SolutionTest::testAddsNegativeNumbers'],
    failingTests: `<?php

declare(strict_types=1);

require_once __DIR__ . '/Solution.php';

use PHPUnit\\Framework\\TestCase;

final class SolutionTest extends TestCase
{
    public function testAddsPositiveNumbers(): void
    {
        $this->assertSame(3, Solution::add(1, 2));
    }

    public function testAddsNegativeNumbers(): void
    {
        $this->assertSame(-4, Solution::add(-1, -2));
    }
}
`,
    failingCase: 'SolutionTest::testAddsNegativeNumbers',
    failingMessage: 'Failed asserting that -3 is identical to -4.',
    brokenCode: `<?php

final class Solution
{
    public static function add(int $a, int $b): int
    {
        return $a + $b
    }
}
`,
    compilerSays: 'syntax error',
    brokenSyntax: true,
  },

  bash: {
    code: `#!/usr/bin/env bash

# Prints the sum of two integers.
add() {
  local a="$1" b="$2"
  printf '%d\\n' "$((a + b))"
}

if [[ "\${BASH_SOURCE[0]}" == "\${0}" ]]; then
  set -euo pipefail
  add "$@"
fi
`,
    tests: `setup() {
  source "\${BATS_TEST_DIRNAME}/solution.sh"
}

@test "add sums positive numbers" {
  run add 1 2
  [ "$status" -eq 0 ]
  [ "$output" = "3" ]
}

@test "add sums negative numbers" {
  run add -1 -2
  [ "$status" -eq 0 ]
  [ "$output" = "-3" ]
}
`,
    cases: [
      'test_solution.bats::add sums positive numbers',
      'test_solution.bats::add sums negative numbers',
    ],
    failingTests: `setup() {
  source "\${BATS_TEST_DIRNAME}/solution.sh"
}

@test "add sums positive numbers" {
  run add 1 2
  [ "$status" -eq 0 ]
  [ "$output" = "3" ]
}

@test "add sums negative numbers" {
  run add -1 -2
  [ "$status" -eq 0 ]
  [ "$output" = "-4" ]
}
`,
    failingCase: 'test_solution.bats::add sums negative numbers',
    failingMessage: '[ "$output" = "-4" ]',
    brokenCode: `#!/usr/bin/env bash

add() {
  if [[ -n "$1" ]]; then
    printf '%d\\n' "$(($1 + $2))"
}
`,
    compilerSays: 'syntax error',
    brokenSyntax: true,
  },
}
