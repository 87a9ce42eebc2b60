import { useEffect, useState } from 'preact/hooks'
import { statusLook, PAGE_SIZES, type ListFilters } from './listing.js'
import type { LanguageInfo } from '../../api/generation-types.js'

/** Typing pauses this long before the search is sent (one request, not one per key). */
const SEARCH_PAUSE_MS = 300

/**
 * The filter fields of a list: search, language, status, page size, and for administrators
 * under AUTH=on a user. Each change goes to the URL at once; the search text once typing pauses.
 */
export function ListFilterFields(props: {
  idPrefix: string
  filters: ListFilters
  languages: Pick<LanguageInfo, 'id' | 'name'>[]
  statuses: readonly string[]
  canPickUser: boolean
  searchHint: string
  /** A server-side filter changed (the list starts again from its first page). */
  onFilter: (values: Record<string, string>) => void
  onSearch: (q: string) => void
}) {
  const { filters, idPrefix: id } = props
  const [text, setText] = useState(filters.q)
  // The URL changed from elsewhere (back, a link): the box follows it.
  useEffect(() => setText(filters.q), [filters.q])
  useEffect(() => {
    if (text === filters.q) return undefined
    const timer = setTimeout(() => props.onSearch(text), SEARCH_PAUSE_MS)
    return () => clearTimeout(timer)
  }, [text])
  // A language in the URL that the server does not list (an alias, an old id) stays choosable.
  const languages =
    filters.language && !props.languages.some((language) => language.id === filters.language)
      ? [...props.languages, { id: filters.language, name: filters.language }]
      : props.languages
  return (
    <form
      class="filters"
      role="search"
      aria-label="Filters"
      onSubmit={(event) => event.preventDefault()}
    >
      <div class="field search">
        <label for={`${id}-search`}>Search</label>
        <input
          id={`${id}-search`}
          type="search"
          value={text}
          maxLength={200}
          aria-describedby={`${id}-search-hint`}
          onInput={(event) => setText(event.currentTarget.value)}
        />
        <span id={`${id}-search-hint`} class="hint small">
          {props.searchHint}
        </span>
      </div>
      <div class="field">
        <label for={`${id}-language`}>Language</label>
        <select
          id={`${id}-language`}
          value={filters.language}
          onChange={(event) => props.onFilter({ language: event.currentTarget.value })}
        >
          <option value="">All languages</option>
          {languages.map((language) => (
            <option key={language.id} value={language.id}>
              {language.name}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for={`${id}-status`}>Status</label>
        <select
          id={`${id}-status`}
          value={filters.status}
          onChange={(event) => props.onFilter({ status: event.currentTarget.value })}
        >
          <option value="">All statuses</option>
          {props.statuses.map((status) => (
            <option key={status} value={status}>
              {statusLook(status).label}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for={`${id}-limit`}>Per page</label>
        <select
          id={`${id}-limit`}
          value={String(filters.limit)}
          onChange={(event) =>
            props.onFilter({
              limit:
                event.currentTarget.value === String(PAGE_SIZES[0])
                  ? ''
                  : event.currentTarget.value,
            })
          }
        >
          {PAGE_SIZES.map((size) => (
            <option key={size} value={String(size)}>
              {size}
            </option>
          ))}
        </select>
      </div>
      {props.canPickUser && (
        <div class="field">
          <label for={`${id}-user`}>User</label>
          <input
            id={`${id}-user`}
            type="text"
            value={filters.user}
            placeholder="Everybody"
            autoComplete="off"
            aria-describedby={`${id}-user-hint`}
            onChange={(event) => props.onFilter({ user: event.currentTarget.value.trim() })}
          />
          <span id={`${id}-user-hint`} class="hint small">
            A name or id; press Enter or leave the field to apply.
          </span>
        </div>
      )}
    </form>
  )
}
