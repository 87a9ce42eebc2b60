import type { ComponentChildren } from 'preact'
import { TableWrap } from '../../components/table-wrap.js'

/** A column of a list: its header, and whether it holds numbers (right-aligned). */
export interface Column {
  label: string
  number?: boolean
}

/**
 * The table of the History and Jobs lists (cards on a narrow screen, see history.css), with an
 * unlabelled last column for each row's actions.
 */
export function EntriesTable(props: {
  /** What the list holds ("Generations"): the region's name and the caption's start. */
  label: string
  columns: Column[]
  children: ComponentChildren
}) {
  return (
    <TableWrap label={props.label}>
      <table class="entries">
        <caption class="visually-hidden">{props.label}, newest first</caption>
        <thead>
          <tr>
            {props.columns.map((column) => (
              <th key={column.label} scope="col" class={column.number ? 'number' : undefined}>
                {column.label}
              </th>
            ))}
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </TableWrap>
  )
}
