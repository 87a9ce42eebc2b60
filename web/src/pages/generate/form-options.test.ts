import { describe, expect, it } from 'vitest'
import type { LanguageInfo } from '../../api/generation-types.js'
import {
  defaultValues,
  formProblems,
  languageOptionText,
  limitFromError,
  requestBody,
} from './form-options.js'

const values = { ...defaultValues(null), prompt: '  Add two numbers together  ' }

describe('requestBody', () => {
  it('sends the trimmed prompt and leaves empty options to the server', () => {
    expect(requestBody(values)).toEqual({
      prompt: 'Add two numbers together',
      programming_language: 'python',
      include_tests: true,
      include_docs: true,
      options: { verify: true },
    })
  })

  it('sends advanced options as numbers, and no verification without tests', () => {
    const body = requestBody({
      ...values,
      includeTests: false,
      model: ' m2 ',
      temperature: '0.5',
      repairs: '0',
      fixRounds: '3',
    })
    expect(body.options).toEqual({
      model: 'm2',
      temperature: 0.5,
      max_repair_attempts: 0,
      max_fix_rounds: 3,
      verify: false,
    })
  })
})

describe('formProblems', () => {
  it('checks the prompt length against the limit and the option ranges', () => {
    expect(formProblems(values, 2000)).toEqual({})
    expect(formProblems({ ...values, prompt: 'short' }, 2000).prompt).toMatch(/at least 10/)
    expect(formProblems(values, 12).prompt).toMatch(/over the limit of 12/)
    const problems = formProblems(
      { ...values, temperature: '3', repairs: '1.5', fixRounds: '-1' },
      null,
    )
    expect(Object.keys(problems).sort()).toEqual(['fixRounds', 'repairs', 'temperature'])
  })
})

describe('languageOptionText and limitFromError', () => {
  it('says whether a language is verified here', () => {
    const python = { name: 'Python', verification: { available: true } } as LanguageInfo
    const cobol = { name: 'COBOL', verification: { available: false } } as LanguageInfo
    expect(languageOptionText(python)).toBe('Python — verified')
    expect(languageOptionText(cobol)).toBe('COBOL — not verified here')
  })

  it('reads the limit from a validation message', () => {
    expect(limitFromError('prompt: Too big: expected string to have <=2000 characters')).toBe(2000)
    expect(limitFromError('something else')).toBeNull()
  })
})
