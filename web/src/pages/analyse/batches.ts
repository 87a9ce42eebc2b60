/** A file to send in `POST /api/analyze/batch`. */
export interface BatchFile {
  filename: string
  code: string
  programming_language?: string
}

/**
 * Files split into batches the API accepts: at most `maxFiles` each (the API's 100) and at most
 * `maxChars` of code each (the analysis body limit is about two files of 1 MiB), in order. A
 * file larger than `maxChars` goes in a batch of its own, for the server to refuse by name.
 */
export function splitBatches<T extends BatchFile>(
  files: readonly T[],
  maxFiles = 100,
  maxChars = 1_500_000,
): T[][] {
  const batches: T[][] = []
  let current: T[] = []
  let size = 0
  for (const file of files) {
    const length = file.code.length + file.filename.length
    if (current.length > 0 && (current.length >= maxFiles || size + length > maxChars)) {
      batches.push(current)
      current = []
      size = 0
    }
    current.push(file)
    size += length
  }
  if (current.length > 0) batches.push(current)
  return batches
}
