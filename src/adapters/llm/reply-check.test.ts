import { describe, expect, it } from 'vitest'
import type { Logger } from '../../ports/logger.js'
import type { TextReply } from './model-provider.js'
import { checkReply, MAX_REPORTED_TOKENS } from './reply-check.js'

class Warnings implements Logger {
  readonly lines: Array<{ fields: object; message: string }> = []
  debug(): void {}
  info(): void {}
  warn(fields: object, message: string): void {
    this.lines.push({ fields, message })
  }
  error(): void {}
}

const GOOD: TextReply = {
  text: 'x = 1\n',
  finishReason: 'stop',
  usage: { promptTokens: 10, completionTokens: 20, totalTokens: 30 },
  model: 'served-model',
}

/** A reply whose fields hold whatever an upstream's JSON held. */
function reply(fields: Record<string, unknown>): TextReply {
  return { ...GOOD, ...fields } as unknown as TextReply
}

function check(value: TextReply) {
  const logger = new Warnings()
  return { checked: checkReply(value, { model: 'asked-model', provider: 'p', logger }), logger }
}

describe('checkReply', () => {
  it('passes a good reply through unchanged, without a warning', () => {
    const { checked, logger } = check(GOOD)
    expect(checked).toEqual(GOOD)
    expect(logger.lines).toEqual([])
  })

  it.each([
    ['strings', '10', 'many'],
    ['negative counts', -5, -1e9],
    ['fractions', 1.5, 0.25],
    ['huge counts', 1e300, 2 ** 53 + 2],
    ['objects and arrays', { n: 1 }, [3]],
    ['not-a-number', Number.NaN, Number.POSITIVE_INFINITY],
    ['counts above the ceiling', MAX_REPORTED_TOKENS + 1, MAX_REPORTED_TOKENS + 1],
  ])('counts %s as 0, with a warning naming the fields', (_name, prompt, completion) => {
    const { checked, logger } = check(
      reply({ usage: { promptTokens: prompt, completionTokens: completion, totalTokens: 'x' } }),
    )
    expect(checked.usage).toEqual({ promptTokens: 0, completionTokens: 0, totalTokens: 0 })
    expect(logger.lines).toHaveLength(1)
    expect(logger.lines[0]!.fields).toMatchObject({
      fields: ['usage.prompt_tokens', 'usage.completion_tokens'],
    })
  })

  it('recomputes the total from the parts it kept', () => {
    const { checked } = check(
      reply({ usage: { promptTokens: 7, completionTokens: -1, totalTokens: 999 } }),
    )
    expect(checked.usage).toEqual({ promptTokens: 7, completionTokens: 0, totalTokens: 7 })
  })

  it('survives a usage that is no object at all', () => {
    for (const usage of [null, undefined, 'lots', [1, 2], 42]) {
      expect(check(reply({ usage })).checked.usage.totalTokens).toBe(0)
    }
  })

  it.each([
    ['an object', { id: 'gpt' }],
    ['an array', ['a', 'b']],
    ['empty', ''],
    ['too long', 'm'.repeat(201)],
    ['a NUL byte', 'evil\u0000model'],
    ['an escape sequence', 'evil\u001b[31m'],
    ['a line break', 'one\nnext'],
    ['a zero-width character', 'gpt\u200b-4o'],
  ])('replaces a model name that is %s with the model asked for', (_name, model) => {
    const { checked, logger } = check(reply({ model }))
    expect(checked.model).toBe('asked-model')
    expect(logger.lines[0]!.fields).toMatchObject({ fields: ['model'] })
  })

  it('keeps a printable model name up to 200 characters, Unicode included', () => {
    expect(check(reply({ model: 'qwen2.5-coder:7b' })).checked.model).toBe('qwen2.5-coder:7b')
    expect(check(reply({ model: 'modèle-π' })).checked.model).toBe('modèle-π')
    expect(check(reply({ model: 'm'.repeat(200) })).checked.model).toHaveLength(200)
  })

  it('empties text that is not a string and maps an unknown finish reason to other', () => {
    const { checked } = check(reply({ text: { code: 'x' }, finishReason: 'constructor' }))
    expect(checked.text).toBe('')
    expect(checked.finishReason).toBe('other')
  })
})
