import type { SyntaxNode, Tree } from './parser.js'

/*
 * Every call into the native binding (a cursor move, a node's type or position) costs about as
 * much as a small JavaScript function, and a position or a node is a new object each time. The
 * analysis walks each tree more than once (the generic walk and the reference tool's profile),
 * so the tree is read through the binding once, into typed arrays in preorder, and every walk
 * then runs on a cursor over those arrays.
 *
 * Read per node: its type id, field id, start and (for named nodes) end. Type names and whether a type is named are
 * asked once per type id. Indices are the binding's: UTF-16 code units of the
 * source string, so that text is a slice of it; rows and columns come from a table of line starts.
 */

const ERROR_TYPE_ID = 0xffff
/** An end not read yet (anonymous tokens: the walks want their type, rarely their extent). */
const UNREAD = 0xffffffff

/** The TreeCursor members the walks use; {@link FlatCursor} answers them without the binding. */
export type CursorLike = Pick<
  ReturnType<Tree['walk']>,
  | 'nodeType'
  | 'nodeTypeId'
  | 'nodeIsNamed'
  | 'nodeIsMissing'
  | 'startIndex'
  | 'endIndex'
  | 'startPosition'
  | 'endPosition'
  | 'nodeText'
  | 'currentNode'
  | 'currentFieldId'
  | 'currentFieldName'
  | 'gotoFirstChild'
  | 'gotoNextSibling'
  | 'gotoParent'
>

/** Per grammar: type names and named-ness by type id, learned as ids are first met. */
interface TypeTable {
  names: string[]
  named: boolean[]
  fieldNames: (string | undefined)[]
}

export interface FlatTree {
  tree: Tree
  source: string
  count: number
  /** Whether `field` was read; without it every field id is 0. */
  hasFields: boolean
  type: Uint16Array
  field: Uint16Array
  start: Uint32Array
  end: Uint32Array
  /** Preorder index of the parent, -1 for the root. */
  parent: Int32Array
  /** Preorder index of the next sibling, -1 for a last child. The first child is `index + 1`. */
  next: Int32Array
  hasChildren: Uint8Array
  missing: Uint8Array
  types: TypeTable
  /** Index of the first character of each line. */
  lineStarts: Uint32Array
}

const typeTables = new WeakMap<object, TypeTable>()
const flatTrees = new WeakMap<Tree, FlatTree>()

function lineStartsOf(source: string): Uint32Array {
  let count = 1
  for (let index = source.indexOf('\n'); index !== -1; index = source.indexOf('\n', index + 1))
    count += 1
  const starts = new Uint32Array(count)
  let row = 1
  for (let index = source.indexOf('\n'); index !== -1; index = source.indexOf('\n', index + 1))
    starts[row++] = index + 1
  return starts
}

/**
 * The tree in typed arrays, read once per tree (later calls return the same arrays). Field ids
 * cost a native call per node, so they are read here only when `fields` asks for them; otherwise
 * the cursor reads a node's field from the binding when asked.
 */
export function flatten(tree: Tree, source: string, fields = false): FlatTree {
  const known = flatTrees.get(tree)
  if (known && known.source === source && (known.hasFields || !fields)) return known
  // `Parser.parse` records the grammar on the tree; the typings do not declare it.
  const grammar = (tree as Tree & { language?: object }).language ?? flatTrees
  let types = typeTables.get(grammar)
  if (!types) {
    types = { names: [], named: [], fieldNames: [] }
    typeTables.set(grammar, types)
  }
  const { names, named, fieldNames } = types

  let capacity = 1024
  let type = new Uint16Array(capacity)
  let field = new Uint16Array(capacity)
  let start = new Uint32Array(capacity)
  let end = new Uint32Array(capacity)
  let parent = new Int32Array(capacity)
  let next = new Int32Array(capacity)
  let hasChildren = new Uint8Array(capacity)
  let missing = new Uint8Array(capacity)
  const grow = () => {
    capacity *= 2
    const larger = <T extends Uint16Array | Uint32Array | Int32Array | Uint8Array>(array: T): T => {
      const copy = new (array.constructor as new (length: number) => T)(capacity)
      copy.set(array)
      return copy
    }
    type = larger(type)
    field = larger(field)
    start = larger(start)
    end = larger(end)
    parent = larger(parent)
    next = larger(next)
    hasChildren = larger(hasChildren)
    missing = larger(missing)
  }

  const checkMissing = tree.rootNode.hasError
  const cursor = tree.walk()
  // Open ancestors of the current node, and the last child seen at each depth.
  const open: number[] = []
  const lastChild: number[] = [-1]
  let count = 0
  for (;;) {
    if (count === capacity) grow()
    const index = count++
    const id = cursor.nodeTypeId
    if (names[id] === undefined) {
      names[id] = cursor.nodeType
      named[id] = cursor.nodeIsNamed
    }
    type[index] = id
    if (fields) {
      // The binding answers undefined where tree-sitter says 0 (no field).
      const fieldId = cursor.currentFieldId || 0
      field[index] = fieldId
      if (fieldId !== 0 && fieldNames[fieldId] === undefined)
        fieldNames[fieldId] = cursor.currentFieldName
    }
    const depth = open.length
    parent[index] = depth > 0 ? open[depth - 1]! : -1
    next[index] = -1
    const previous = lastChild[depth]!
    if (previous !== -1) next[previous] = index
    lastChild[depth] = index
    // Starts and ends are read, not derived from the children: hidden children (a grammar's
    // `_`-named tokens) may cover the first or last stretch of a node, so its visible children
    // need not span it.
    start[index] = cursor.startIndex
    end[index] = named[id] ? cursor.endIndex : UNREAD
    if (cursor.gotoFirstChild()) {
      hasChildren[index] = 1
      open.push(index)
      lastChild[depth + 1] = -1
      continue
    }
    hasChildren[index] = 0
    missing[index] = checkMissing && id !== ERROR_TYPE_ID && cursor.nodeIsMissing ? 1 : 0
    let done = false
    while (!cursor.gotoNextSibling()) {
      if (!cursor.gotoParent()) {
        done = true
        break
      }
      open.pop()
    }
    if (done) break
  }

  const flat: FlatTree = {
    tree,
    source,
    count,
    hasFields: fields,
    type,
    field,
    start,
    end,
    parent,
    next,
    hasChildren,
    missing,
    types,
    lineStarts: lineStartsOf(source),
  }
  flatTrees.set(tree, flat)
  return flat
}

/** 0-based row of a source index. */
export function rowOf(lineStarts: Uint32Array, index: number): number {
  let low = 0
  let high = lineStarts.length - 1
  while (low < high) {
    const middle = (low + high + 1) >> 1
    if (lineStarts[middle]! <= index) low = middle
    else high = middle - 1
  }
  return low
}

/** A TreeCursor over a {@link FlatTree}: the same answers, no native calls but `currentNode`. */
export class FlatCursor implements CursorLike {
  private index = 0
  private native: ReturnType<Tree['walk']> | null = null
  private fieldsOf = -1
  private fields: (string | undefined)[] = []
  private siblingFieldsOf = -1
  private readonly siblingFields = new Map<number, number>()
  /** The row last answered: walks ask rows in nearly ascending order. */
  private lastRow = 0

  constructor(private readonly flat: FlatTree) {}

  /** End of the node at preorder `index`; an anonymous token's is asked of the binding on demand. */
  private endOf(index: number): number {
    const end = this.flat.end[index]!
    if (end !== UNREAD) return end
    this.native ??= this.flat.tree.walk()
    this.native.gotoDescendant(index)
    return (this.flat.end[index] = this.native.endIndex)
  }

  /** 0-based row of a source index, as {@link rowOf} gives it: a few steps on from the last. */
  private rowAt(index: number): number {
    const starts = this.flat.lineStarts
    let row = this.lastRow
    if (starts[row]! <= index) {
      for (let step = 0; step < 8; step += 1) {
        if (row + 1 === starts.length || starts[row + 1]! > index) return (this.lastRow = row)
        row += 1
      }
    }
    return (this.lastRow = rowOf(starts, index))
  }

  /** Preorder index of the current node (tree-sitter's descendant index). */
  get nodeIndex(): number {
    return this.index
  }

  get nodeType(): string {
    const id = this.flat.type[this.index]!
    return id === ERROR_TYPE_ID ? 'ERROR' : this.flat.types.names[id]!
  }

  get nodeTypeId(): number {
    return this.flat.type[this.index]!
  }

  /**
   * The grammar's type names by id (as far as met), the same array for every tree of a grammar:
   * walks key their per-type tables on it.
   */
  get typeNames(): readonly string[] {
    return this.flat.types.names
  }

  get nodeIsNamed(): boolean {
    const id = this.flat.type[this.index]!
    return id === ERROR_TYPE_ID || this.flat.types.named[id]!
  }

  get nodeIsMissing(): boolean {
    return this.flat.missing[this.index] === 1
  }

  get startIndex(): number {
    return this.flat.start[this.index]!
  }

  get endIndex(): number {
    return this.endOf(this.index)
  }

  get startPosition(): { row: number; column: number } {
    const index = this.flat.start[this.index]!
    const row = this.rowAt(index)
    return { row, column: index - this.flat.lineStarts[row]! }
  }

  get endPosition(): { row: number; column: number } {
    const index = this.endOf(this.index)
    const row = this.rowAt(index)
    return { row, column: index - this.flat.lineStarts[row]! }
  }

  /** Row of the current node's start, without a position object. */
  get startRow(): number {
    return this.rowAt(this.flat.start[this.index]!)
  }

  /** Row of the current node's end, without a position object. */
  get endRow(): number {
    return this.rowAt(this.endOf(this.index))
  }

  get nodeText(): string {
    return this.flat.source.slice(this.flat.start[this.index]!, this.endOf(this.index))
  }

  get currentFieldId(): number {
    if (this.flat.hasFields) return this.flat.field[this.index]!
    return this.fieldOfChild(this.index)
  }

  get currentFieldName(): string {
    return this.flat.types.fieldNames[this.currentFieldId] as string
  }

  /**
   * Field id of the node at `index`, read with its siblings from the binding when its parent is
   * first asked about: walks ask for fields only under a few kinds of parent.
   */
  private fieldOfChild(index: number): number {
    const { flat } = this
    const parent = flat.parent[index]!
    if (parent === -1) return 0
    if (this.siblingFieldsOf !== parent) {
      this.native ??= flat.tree.walk()
      this.native.gotoDescendant(parent + 1)
      this.siblingFields.clear()
      let child = parent + 1
      do {
        const id = this.native.currentFieldId || 0
        if (id !== 0) {
          this.siblingFields.set(child, id)
          flat.types.fieldNames[id] ??= this.native.currentFieldName
        }
        child = flat.next[child]!
      } while (this.native.gotoNextSibling())
      this.siblingFieldsOf = parent
    }
    return this.siblingFields.get(index) ?? 0
  }

  /** The binding's node for the current position: the one answer that needs the native tree. */
  get currentNode(): SyntaxNode {
    this.native ??= this.flat.tree.walk()
    this.native.gotoDescendant(this.index)
    return this.native.currentNode
  }

  /** Whether the current node has a named child (without making nodes). */
  get hasNamedChild(): boolean {
    const { flat } = this
    if (flat.hasChildren[this.index] === 0) return false
    for (let child = this.index + 1; child !== -1; child = flat.next[child]!) {
      const id = flat.type[child]!
      if (id === ERROR_TYPE_ID || flat.types.named[id]) return true
    }
    return false
  }

  /** Field names of the current node's children, read from the binding once per node. */
  private childFields(): (string | undefined)[] {
    if (this.fieldsOf === this.index) return this.fields
    const { flat } = this
    const names: (string | undefined)[] = []
    if (flat.hasFields) {
      for (let child = this.index + 1; child !== -1; child = flat.next[child]!)
        names.push(flat.types.fieldNames[flat.field[child]!])
    } else {
      this.native ??= flat.tree.walk()
      this.native.gotoDescendant(this.index + 1)
      do names.push(this.native.currentFieldName || undefined)
      while (this.native.gotoNextSibling())
    }
    this.fieldsOf = this.index
    this.fields = names
    return names
  }

  /** Index of the current node's first child under field `name` (as the node API finds it), or -1. */
  childForFieldName(name: string): number {
    if (this.flat.hasChildren[this.index] === 0) return -1
    const position = this.childFields().indexOf(name)
    let child = position === -1 ? -1 : this.index + 1
    for (let step = 0; step < position; step += 1) child = this.flat.next[child]!
    return child
  }

  /** Index of the current node's first named child, or -1. */
  get firstNamedChild(): number {
    const { flat } = this
    if (flat.hasChildren[this.index] === 0) return -1
    for (let child = this.index + 1; child !== -1; child = flat.next[child]!) {
      const id = flat.type[child]!
      if (id === ERROR_TYPE_ID || flat.types.named[id]) return child
    }
    return -1
  }

  /** Source text of the node at preorder `index`. */
  textAt(index: number): string {
    return this.flat.source.slice(this.flat.start[index]!, this.endOf(index))
  }

  gotoFirstChild(): boolean {
    if (this.flat.hasChildren[this.index] === 0) return false
    this.index += 1
    return true
  }

  gotoNextSibling(): boolean {
    const sibling = this.flat.next[this.index]!
    if (sibling === -1) return false
    this.index = sibling
    return true
  }

  gotoParent(): boolean {
    const parent = this.flat.parent[this.index]!
    if (parent === -1) return false
    this.index = parent
    return true
  }
}

/** The text `tree` was parsed from: `Parser.parse` keeps its input (text or a reader) on the tree. */
function sourceOf(tree: Tree): string {
  const input = (tree as Tree & { input?: unknown }).input
  return typeof input === 'function' || input == null ? tree.rootNode.text : (input as string)
}

/** A cursor at the root of `tree`, over its flat copy (made on first use). */
export function flatCursor(
  tree: Tree,
  source: string = sourceOf(tree),
  fields = false,
): FlatCursor {
  return new FlatCursor(flatten(tree, source, fields))
}
