/** A time from the API (ISO-8601) as a short local date and time; the input when unreadable. */
export function formatTime(iso: string): string {
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return iso
  return date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })
}

/** A whole number with thousands separators. */
export function formatCount(value: number): string {
  return value.toLocaleString('en')
}

/** The detail of an audit entry as short text: `key: value` pairs. */
export function detailText(detail: Record<string, unknown>): string {
  return Object.entries(detail)
    .map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(', ')
}
