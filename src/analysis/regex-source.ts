import { z } from 'zod'

/** A regular expression source in a language's data; it must compile. */
export const regexSource = z
  .string()
  .min(1)
  .refine((source) => {
    try {
      new RegExp(source)
      return true
    } catch {
      return false
    }
  }, 'a valid regular expression')
