/**
 * The small code model recommended for `LLM_PROVIDER=local`: what `verigen models pull` fetches
 * without an argument, and the file the server prefers when several are present. Qwen2.5-Coder
 * 1.5B Instruct in Q4_K_M, from Qwen's own GGUF repository; Apache-2.0.
 */
export const RECOMMENDED_MODEL = {
  uri: 'hf:Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf',
  /**
   * The file's size in bytes, when confirmed from the repository's listing; `null` until then.
   * The download does not need it: Hugging Face announces size and SHA-256 with the file.
   */
  bytes: null as number | null,
  description: 'Qwen2.5-Coder 1.5B Instruct, Q4_K_M quantization (Apache-2.0)',
} as const

/** The recommended model's file name, as `verigen models pull` saves it. */
export const RECOMMENDED_FILE_NAME = RECOMMENDED_MODEL.uri.slice(
  RECOMMENDED_MODEL.uri.lastIndexOf('/') + 1,
)
