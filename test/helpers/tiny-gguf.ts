import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * Writes a tiny but real GGUF v3 model: a llama-architecture header, a SentencePiece vocabulary
 * (byte fallback, ChatML control tokens, a few hundred pieces), a ChatML chat template and random
 * F32 weights from a seeded generator. llama.cpp loads and runs it like any other model; what it
 * says is noise, which is all the tests need. No weights can be downloaded, so the suite makes one.
 */

/** Shape of the model; the defaults make a file of about half a megabyte. */
export interface TinyGgufOptions {
  /** Seed of the weight generator; the same options give the same bytes. */
  seed?: number
  /** `llama.context_length`, the context the model reports it was trained on. */
  contextLength?: number
  /** `llama.block_count`. */
  layers?: number
  /** `llama.embedding_length`; a multiple of 4 (the head count). */
  embedding?: number
}

/** What was written. */
export interface TinyGguf {
  path: string
  bytes: number
  vocabulary: number
}

/** Token ids that tests and the chat wrapper rely on. */
export const TINY_TOKENS = { unk: 0, bos: 1, eos: 2, imStart: 259, imEnd: 260 } as const

/** The ChatML template llama.cpp's and node-llama-cpp's ChatML detection recognise. */
export const CHATML_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"

const HEADS = 4
const KV_HEADS = 2
const ALIGNMENT = 32

// llama.cpp's token types (llama_token_type).
const NORMAL = 1
const UNKNOWN = 2
const CONTROL = 3
const BYTE = 6

// GGUF metadata value types.
const UINT32 = 4
const INT32 = 5
const FLOAT32 = 6
const BOOL = 7
const STRING = 8
const ARRAY = 9

const WORDS = [
  'def',
  'return',
  'function',
  'const',
  'let',
  'if',
  'else',
  'for',
  'while',
  'import',
  'from',
  'export',
  'class',
  'self',
  'print',
  'true',
  'false',
  'null',
  'None',
  'int',
  'str',
  'add',
  'sum',
  'the',
  'a',
  'and',
  'of',
  'to',
  'in',
  'is',
  'that',
  'code',
  'test',
  'python',
  'typescript',
  'Write',
  'write',
  'numbers',
  'two',
  'list',
  'value',
  'result',
  'async',
  'await',
  'new',
]
const PIECES = [
  '```',
  '```python',
  '```typescript',
  '()',
  '):',
  '=>',
  '==',
  '===',
  '  ',
  '    ',
  '\n\n',
]

/** The vocabulary: text, score and type of every token, ids in order. */
function vocabulary(): { text: string; score: number; type: number }[] {
  const tokens: { text: string; score: number; type: number }[] = [
    { text: '<unk>', score: 0, type: UNKNOWN },
    { text: '<s>', score: 0, type: CONTROL },
    { text: '</s>', score: 0, type: CONTROL },
  ]
  // SentencePiece byte fallback: llama.cpp looks these up by exactly this spelling.
  for (let byte = 0; byte < 256; byte += 1) {
    const hex = byte.toString(16).toUpperCase().padStart(2, '0')
    tokens.push({ text: `<0x${hex}>`, score: 0, type: BYTE })
  }
  tokens.push({ text: '<|im_start|>', score: 0, type: CONTROL })
  tokens.push({ text: '<|im_end|>', score: 0, type: CONTROL })
  const normal = new Set<string>(['▁'])
  for (let code = 33; code < 127; code += 1) normal.add(String.fromCharCode(code))
  normal.add('\n')
  for (const word of WORDS) {
    normal.add(`▁${word}`)
    normal.add(word)
  }
  for (const piece of PIECES) normal.add(piece.replaceAll(' ', '▁'))
  // Longer pieces score higher so the merge loop prefers them, as in a trained vocabulary.
  for (const text of normal) tokens.push({ text, score: -1 / [...text].length, type: NORMAL })
  return tokens
}

/** mulberry32: a small, fast, seeded generator; weights only need to be deterministic. */
function generator(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Little-endian byte sink for the header. */
class Bytes {
  private readonly chunks: Buffer[] = []
  length = 0

  private push(buffer: Buffer): void {
    this.chunks.push(buffer)
    this.length += buffer.length
  }

  u32(value: number): void {
    const buffer = Buffer.alloc(4)
    buffer.writeUInt32LE(value)
    this.push(buffer)
  }

  i32(value: number): void {
    const buffer = Buffer.alloc(4)
    buffer.writeInt32LE(value)
    this.push(buffer)
  }

  u64(value: number): void {
    const buffer = Buffer.alloc(8)
    buffer.writeBigUInt64LE(BigInt(value))
    this.push(buffer)
  }

  f32(value: number): void {
    const buffer = Buffer.alloc(4)
    buffer.writeFloatLE(value)
    this.push(buffer)
  }

  string(value: string): void {
    const text = Buffer.from(value, 'utf8')
    this.u64(text.length)
    this.push(text)
  }

  raw(buffer: Buffer): void {
    this.push(buffer)
  }

  pad(alignment: number): void {
    const rest = this.length % alignment
    if (rest !== 0) this.push(Buffer.alloc(alignment - rest))
  }

  concat(): Buffer {
    return Buffer.concat(this.chunks, this.length)
  }
}

type Value =
  | { type: typeof UINT32 | typeof INT32 | typeof FLOAT32; value: number }
  | { type: typeof BOOL; value: boolean }
  | { type: typeof STRING; value: string }
  | {
      type: typeof ARRAY
      of: typeof INT32 | typeof FLOAT32 | typeof STRING
      values: (number | string)[]
    }

function writeValue(out: Bytes, entry: Value): void {
  out.u32(entry.type)
  switch (entry.type) {
    case UINT32:
      out.u32(entry.value)
      return
    case INT32:
      out.i32(entry.value)
      return
    case FLOAT32:
      out.f32(entry.value)
      return
    case BOOL:
      out.raw(Buffer.from([entry.value ? 1 : 0]))
      return
    case STRING:
      out.string(entry.value)
      return
    case ARRAY:
      out.u32(entry.of)
      out.u64(entry.values.length)
      for (const item of entry.values) {
        if (entry.of === STRING) out.string(String(item))
        else if (entry.of === INT32) out.i32(Number(item))
        else out.f32(Number(item))
      }
  }
}

interface Tensor {
  name: string
  /** GGUF order: dims[0] is the inner (contiguous) dimension. */
  dims: number[]
  data: Float32Array
}

/**
 * Writes the model to `path` and returns its size and vocabulary size.
 * @example const { path } = await writeTinyGguf(join(dir, 'tiny.gguf'), { seed: 7 })
 */
export async function writeTinyGguf(
  path: string,
  options: TinyGgufOptions = {},
): Promise<TinyGguf> {
  const seed = options.seed ?? 1
  const contextLength = options.contextLength ?? 2048
  const layers = options.layers ?? 2
  const embedding = options.embedding ?? 64
  if (embedding % (HEADS * 2) !== 0)
    throw new RangeError(`embedding ${embedding} is not a multiple of ${HEADS * 2}`)
  const headSize = embedding / HEADS
  const kvWidth = headSize * KV_HEADS
  const feedForward = embedding * 2
  const tokens = vocabulary()
  const random = generator(seed)

  const uniform = (count: number, scale: number): Float32Array => {
    const data = new Float32Array(count)
    for (let index = 0; index < count; index += 1) data[index] = (random() * 2 - 1) * scale
    return data
  }
  const ones = (count: number): Float32Array => new Float32Array(count).fill(1)
  const matrix = (name: string, inner: number, outer: number): Tensor => ({
    name,
    dims: [inner, outer],
    data: uniform(inner * outer, 0.1),
  })

  const tensors: Tensor[] = [
    matrix('token_embd.weight', embedding, tokens.length),
    { name: 'output_norm.weight', dims: [embedding], data: ones(embedding) },
    matrix('output.weight', embedding, tokens.length),
  ]
  for (let block = 0; block < layers; block += 1) {
    const prefix = `blk.${block}.`
    tensors.push(
      { name: `${prefix}attn_norm.weight`, dims: [embedding], data: ones(embedding) },
      matrix(`${prefix}attn_q.weight`, embedding, embedding),
      matrix(`${prefix}attn_k.weight`, embedding, kvWidth),
      matrix(`${prefix}attn_v.weight`, embedding, kvWidth),
      matrix(`${prefix}attn_output.weight`, embedding, embedding),
      { name: `${prefix}ffn_norm.weight`, dims: [embedding], data: ones(embedding) },
      matrix(`${prefix}ffn_gate.weight`, embedding, feedForward),
      matrix(`${prefix}ffn_up.weight`, embedding, feedForward),
      matrix(`${prefix}ffn_down.weight`, feedForward, embedding),
    )
  }

  const metadata: [string, Value][] = [
    ['general.architecture', { type: STRING, value: 'llama' }],
    ['general.name', { type: STRING, value: 'verigen-tiny' }],
    ['general.alignment', { type: UINT32, value: ALIGNMENT }],
    ['general.file_type', { type: UINT32, value: 0 }],
    ['llama.context_length', { type: UINT32, value: contextLength }],
    ['llama.embedding_length', { type: UINT32, value: embedding }],
    ['llama.block_count', { type: UINT32, value: layers }],
    ['llama.feed_forward_length', { type: UINT32, value: feedForward }],
    ['llama.attention.head_count', { type: UINT32, value: HEADS }],
    ['llama.attention.head_count_kv', { type: UINT32, value: KV_HEADS }],
    ['llama.rope.dimension_count', { type: UINT32, value: headSize }],
    ['llama.rope.freq_base', { type: FLOAT32, value: 10000 }],
    ['llama.attention.layer_norm_rms_epsilon', { type: FLOAT32, value: 1e-5 }],
    ['llama.vocab_size', { type: UINT32, value: tokens.length }],
    ['tokenizer.ggml.model', { type: STRING, value: 'llama' }],
    [
      'tokenizer.ggml.tokens',
      { type: ARRAY, of: STRING, values: tokens.map((token) => token.text) },
    ],
    [
      'tokenizer.ggml.scores',
      { type: ARRAY, of: FLOAT32, values: tokens.map((token) => token.score) },
    ],
    [
      'tokenizer.ggml.token_type',
      { type: ARRAY, of: INT32, values: tokens.map((token) => token.type) },
    ],
    ['tokenizer.ggml.bos_token_id', { type: UINT32, value: TINY_TOKENS.bos }],
    // The end of a ChatML turn ends generation, as in chat-tuned models.
    ['tokenizer.ggml.eos_token_id', { type: UINT32, value: TINY_TOKENS.imEnd }],
    ['tokenizer.ggml.eot_token_id', { type: UINT32, value: TINY_TOKENS.imEnd }],
    ['tokenizer.ggml.unknown_token_id', { type: UINT32, value: TINY_TOKENS.unk }],
    ['tokenizer.ggml.padding_token_id', { type: UINT32, value: TINY_TOKENS.unk }],
    ['tokenizer.ggml.add_bos_token', { type: BOOL, value: true }],
    ['tokenizer.ggml.add_eos_token', { type: BOOL, value: false }],
    ['tokenizer.chat_template', { type: STRING, value: CHATML_TEMPLATE }],
  ]

  const header = new Bytes()
  header.raw(Buffer.from('GGUF', 'ascii'))
  header.u32(3)
  header.u64(tensors.length)
  header.u64(metadata.length)
  for (const [key, value] of metadata) {
    header.string(key)
    writeValue(header, value)
  }
  let offset = 0
  const offsets: number[] = []
  for (const tensor of tensors) {
    header.string(tensor.name)
    header.u32(tensor.dims.length)
    for (const dim of tensor.dims) header.u64(dim)
    header.u32(0) // GGML_TYPE_F32
    header.u64(offset)
    offsets.push(offset)
    offset += Math.ceil(tensor.data.byteLength / ALIGNMENT) * ALIGNMENT
  }
  header.pad(ALIGNMENT)

  const data = Buffer.alloc(offset)
  tensors.forEach((tensor, index) => {
    Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength).copy(
      data,
      offsets[index],
    )
  })
  const file = Buffer.concat([header.concat(), data])
  await writeFile(path, file)
  return { path, bytes: file.length, vocabulary: tokens.length }
}

let cached: Promise<string> | undefined

/**
 * The default tiny model, written once per test process into its own temp dir and reused.
 * The OS removes the temp dir; tests must not modify the file.
 */
export function tinyGgufFile(): Promise<string> {
  cached ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'verigen-gguf-'))
    const written = await writeTinyGguf(join(dir, 'tiny.gguf'))
    return written.path
  })()
  return cached
}
