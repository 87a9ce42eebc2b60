import { useEffect, useState } from 'react'

export interface User {
  id: number
  name: string
  email?: string
}

export interface UserListProps {
  users: readonly User[]
  filter?: string
  onSelect?: (user: User) => void
}

function matches(user: User, filter: string): boolean {
  const needle = filter.trim().toLowerCase()
  if (needle === '') return true
  return user.name.toLowerCase().includes(needle) || (user.email ?? '').includes(needle)
}

export function UserList({ users, filter = '', onSelect }: UserListProps) {
  const [selected, setSelected] = useState<number | null>(null)
  const visible = users.filter((user) => matches(user, filter))

  useEffect(() => {
    if (selected !== null && !visible.some((user) => user.id === selected)) {
      setSelected(null)
    }
  }, [selected, visible])

  if (visible.length === 0) {
    return <p className="empty">No users match “{filter}”.</p>
  }
  return (
    <ul>
      {visible.map((user) => (
        <li
          key={user.id}
          className={user.id === selected ? 'selected' : undefined}
          onClick={() => {
            setSelected(user.id)
            onSelect?.(user)
          }}
        >
          {user.name}
          {user.email && <small> {user.email}</small>}
        </li>
      ))}
    </ul>
  )
}
