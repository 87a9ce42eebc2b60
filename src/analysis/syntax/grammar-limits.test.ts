import { describe, expect, it } from 'vitest'
import { analyzeSource } from '../engine.js'
import { loadLanguageRegistry } from '../language-registry.js'
import { parse, parserFor } from '../parser.js'
import { swapInStandIns } from './stand-ins.js'

const registry = loadLanguageRegistry()
const withLimits = registry.languages.filter((language) => language.grammar_limits)

describe('grammar limits', () => {
  it('are declared for C++, Kotlin, Swift and Scala', () => {
    expect(withLimits.map((language) => language.id).sort()).toEqual([
      'cpp',
      'kotlin',
      'scala',
      'swift',
    ])
  })

  const gaps = withLimits.flatMap((language) =>
    (language.grammar_limits?.gaps ?? []).map((gap) => [language.id, gap.construct, gap] as const),
  )
  it.each(gaps)('%s: %s fails the grammar, and parses with its stand-in', async (id, _, gap) => {
    const language = registry.resolve(id)
    const parser = await parserFor(language)
    expect(parse(parser, gap.example).rootNode.hasError).toBe(true)
    const swapped = swapInStandIns(gap.example, [gap])
    expect(swapped.split('\n').map((line) => line.length)).toEqual(
      gap.example.split('\n').map((line) => line.length),
    )
    expect(parse(parser, swapped).rootNode.hasError).toBe(false)
  })

  it.each(gaps)('%s: %s is reported valid, with a parser-limit warning', async (id, _, gap) => {
    const report = await analyzeSource(gap.example, registry.resolve(id))
    expect(report.syntax_errors).toEqual([])
    expect(report.syntax_valid).toBe(true)
    expect(report.syntax_warnings.map((warning) => warning.reason)).toContain('parser-limit')
  })

  it('keeps a stand-in no longer than its match and every line break in place', () => {
    const gap = { construct: 'x', pattern: '\\(\\s*\\)', stand_in: '[]', example: '' }
    expect(swapInStandIns('f(\n)\ng(  )', [gap])).toBe('f(\n)\ng[]  ')
  })

  it('keeps a real error next to a listed construct an error', async () => {
    const code = 'func f() {\n    let unit = ()\n    let x = (1 + \n}\n'
    const report = await analyzeSource(code, registry.resolve('swift'))
    expect(report.syntax_valid).toBe(false)
    expect(report.syntax_errors.length).toBeGreaterThan(0)
  })

  it('turns a Swift #if region inside a type into a preprocessor warning', async () => {
    const code = 'class A {\n    #if os(macOS)\n    func b() {}\n    #endif\n}\n'
    const report = await analyzeSource(code, registry.resolve('swift'))
    expect(report.syntax_errors).toEqual([])
    expect(report.syntax_warnings.map((warning) => warning.reason)).toContain('preprocessor')
  })
})
