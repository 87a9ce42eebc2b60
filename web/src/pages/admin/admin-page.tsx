import { useRef } from 'preact/hooks'
import { useSession } from '../../api/session.js'
import { setQuery, useLocation } from '../../router.js'
import { AuditSection } from './audit-section.js'
import { KeysSection } from './keys-section.js'
import { SettingsSection } from './settings-section.js'
import { UsageSection } from './usage-section.js'
import { UsersSection } from './users-section.js'
import './admin.css'

const TABS = [
  { id: 'users', label: 'Users' },
  { id: 'keys', label: 'API keys' },
  { id: 'usage', label: 'Usage' },
  { id: 'settings', label: 'Settings' },
  { id: 'audit', label: 'Audit' },
] as const

type TabId = (typeof TABS)[number]['id']

/**
 * The admin pages (administrators only; the shell keeps others out): users, API keys, usage,
 * runtime settings and the audit trail, as tabs. The open tab is in the address (`?tab=`), so a
 * reload or a shared link opens the same one.
 */
export function AdminPage() {
  const { query } = useLocation()
  const { me } = useSession()
  const requested = query.get('tab')
  const active: TabId = TABS.some((tab) => tab.id === requested) ? (requested as TabId) : 'users'
  const tabRefs = useRef<Record<string, HTMLButtonElement | null>>({})

  const select = (id: TabId, focus = false) => {
    setQuery({ tab: id === 'users' ? null : id })
    if (focus) tabRefs.current[id]?.focus()
  }

  // Arrow keys move between tabs (and open them), Home and End go to the first and last.
  const onKeyDown = (event: KeyboardEvent) => {
    const index = TABS.findIndex((tab) => tab.id === active)
    let next = -1
    if (event.key === 'ArrowRight') next = (index + 1) % TABS.length
    else if (event.key === 'ArrowLeft') next = (index - 1 + TABS.length) % TABS.length
    else if (event.key === 'Home') next = 0
    else if (event.key === 'End') next = TABS.length - 1
    if (next < 0) return
    event.preventDefault()
    const tab = TABS[next]
    if (tab) select(tab.id, true)
  }

  const label = TABS.find((tab) => tab.id === active)?.label ?? ''

  return (
    <section class="admin-page">
      <h1>Admin</h1>
      <div class="tabs" role="tablist" aria-label="Admin sections" onKeyDown={onKeyDown}>
        {TABS.map((tab) => (
          <button
            key={tab.id}
            ref={(element) => {
              tabRefs.current[tab.id] = element
            }}
            type="button"
            role="tab"
            id={`admin-tab-${tab.id}`}
            aria-selected={tab.id === active}
            aria-controls="admin-panel"
            tabIndex={tab.id === active ? 0 : -1}
            onClick={() => select(tab.id)}
          >
            {tab.label}
          </button>
        ))}
      </div>
      <div
        id="admin-panel"
        role="tabpanel"
        aria-labelledby={`admin-tab-${active}`}
        tabIndex={0}
        class="admin-panel"
      >
        <h2>{label}</h2>
        {active === 'users' && <UsersSection selfId={me?.id ?? null} />}
        {active === 'keys' && <KeysSection auth={me?.auth ?? 'off'} />}
        {active === 'usage' && <UsageSection />}
        {active === 'settings' && <SettingsSection />}
        {active === 'audit' && <AuditSection />}
      </div>
    </section>
  )
}
