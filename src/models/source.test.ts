import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ValidationError } from '../errors.js'
import { describeSource, modelFilePath, parseModelSource, sourceUrl } from './source.js'

describe('parseModelSource', () => {
  it('reads hf: sources with a path inside the repository and a revision', () => {
    expect(parseModelSource('hf:Qwen/Coder-GGUF/q4/coder.Q4_K_M.gguf@refs/pr/1')).toEqual({
      kind: 'hf',
      user: 'Qwen',
      repo: 'Coder-GGUF',
      file: 'q4/coder.Q4_K_M.gguf',
      revision: 'refs/pr/1',
      fileName: 'coder.Q4_K_M.gguf',
    })
    expect(parseModelSource('hf:a/b/c.gguf')).toMatchObject({ revision: null, fileName: 'c.gguf' })
  })

  it('reads URLs and file paths', () => {
    expect(parseModelSource('https://example.com/m/x%2Dy.gguf?download=1')).toMatchObject({
      kind: 'url',
      fileName: 'x-y.gguf',
    })
    expect(parseModelSource('./models/x.gguf')).toEqual({ kind: 'path', path: './models/x.gguf' })
  })

  it.each([
    ['', /is empty/],
    ['hf:a/b/../c.gguf', /path segment '\.\.'/],
    ['hf:a/../b/c.gguf', /repository name '\.\.'/],
    ['hf:a/b/c.bin', /'c\.bin'/],
    ['hf:a b/c/d.gguf', /user name 'a b'/],
    ['hf:a/b', /is not hf:/],
    ['hf:a/b/c.gguf@../x', /revision/],
    ['hf:a/b/c\n.gguf', /control characters/],
    ['ftp://example.com/x.gguf', /scheme other than http/],
    ['file:///etc/x.gguf', /scheme other than http/],
    ['https://example.com/', /file ''/],
    ['https://example.com/a/..%2F..%2Fetc.gguf', /names the file/],
    ['https://example.com/x.gguf.exe', /names the file/],
    ['./model.bin', /not ending '\.gguf'/],
    ['x'.repeat(3000) + '.gguf', /longer than 2048/],
  ])('refuses %j', (text, message) => {
    expect(() => parseModelSource(text)).toThrow(ValidationError)
    expect(() => parseModelSource(text)).toThrow(message)
  })

  it('refuses credentials in URLs without printing them', () => {
    let error: Error | undefined
    try {
      parseModelSource('https://user:hunter2@example.com/x.gguf')
    } catch (caught) {
      error = caught as Error
    }
    expect(error?.message).toMatch(/user name or password/)
    expect(error?.message).not.toContain('hunter2')
  })
})

describe('modelFilePath and sourceUrl', () => {
  it('puts downloads in the models folder and leaves paths where they are', () => {
    expect(modelFilePath(parseModelSource('hf:a/b/c/d.gguf'), '/m')).toBe(join('/m', 'd.gguf'))
    expect(modelFilePath(parseModelSource('rel/x.gguf'), '/m')).toBe(resolve('rel/x.gguf'))
  })

  it('refuses a file name that would leave the models folder', () => {
    const forged = { kind: 'url', url: new URL('http://x/'), fileName: '../x.gguf' } as const
    expect(() => modelFilePath(forged, '/m')).toThrow(/would leave/)
  })

  it("builds Hugging Face's resolve URL", () => {
    const source = parseModelSource('hf:Qwen/R-GGUF/sub/f.gguf@refs/pr/1')
    expect(sourceUrl(source, 'https://hf.example/').href).toBe(
      'https://hf.example/Qwen/R-GGUF/resolve/refs%2Fpr%2F1/sub/f.gguf',
    )
    expect(sourceUrl(parseModelSource('hf:a/b/c.gguf'), 'https://huggingface.co').href).toBe(
      'https://huggingface.co/a/b/resolve/main/c.gguf',
    )
  })

  it('describes a URL without its query', () => {
    expect(describeSource(parseModelSource('https://e.com/x.gguf?token=abc'))).toBe(
      'https://e.com/x.gguf',
    )
  })
})
