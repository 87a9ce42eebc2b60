export interface Task {
  id: string
  priority: number
  dependsOn: readonly string[]
}

export type Order = { ok: true; tasks: Task[] } | { ok: false; cycle: string[] }

/** Orders tasks so that each comes after the tasks it depends on (Kahn's algorithm). */
export function schedule(tasks: readonly Task[]): Order {
  const byId = new Map(tasks.map((task) => [task.id, task]))
  const indegree = new Map<string, number>()
  for (const task of tasks) {
    indegree.set(task.id, indegree.get(task.id) ?? 0)
    for (const dependency of task.dependsOn) {
      if (!byId.has(dependency)) throw new Error(`Unknown dependency '${dependency}'`)
      indegree.set(task.id, (indegree.get(task.id) ?? 0) + 1)
    }
  }
  const ready = tasks.filter((task) => indegree.get(task.id) === 0)
  const ordered: Task[] = []
  while (ready.length > 0) {
    ready.sort((a, b) => b.priority - a.priority)
    const next = ready.shift()!
    ordered.push(next)
    for (const task of tasks) {
      if (task.dependsOn.includes(next.id)) {
        const left = (indegree.get(task.id) ?? 1) - 1
        indegree.set(task.id, left)
        if (left === 0) ready.push(task)
      }
    }
  }
  if (ordered.length < tasks.length) {
    return { ok: false, cycle: tasks.filter((task) => !ordered.includes(task)).map((t) => t.id) }
  }
  return { ok: true, tasks: ordered }
}

export class TaskQueue<T extends Task = Task> {
  private readonly items: T[] = []

  constructor(private readonly capacity: number) {}

  push(item: T): boolean {
    if (this.items.length >= this.capacity && item.priority <= 0) return false
    this.items.push(item)
    return true
  }

  peek(): T | undefined {
    return this.items.length > 0 ? this.items[0] : undefined
  }
}
