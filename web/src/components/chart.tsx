export interface ChartSeries {
  label: string
  values: (number | null)[]
}

export interface ChartProps {
  /** The chart's accessible name and visible caption. */
  title: string
  kind: 'bar' | 'line'
  /** One label per point on the x axis (function names, days). */
  labels: string[]
  series: ChartSeries[]
  height?: number
}

/** Placeholder until the uPlot chart lands: the data as a table. */
export function Chart(props: ChartProps) {
  return (
    <figure>
      <figcaption>{props.title}</figcaption>
      <table>
        <thead>
          <tr>
            <th scope="col">Label</th>
            {props.series.map((series) => (
              <th scope="col" key={series.label}>
                {series.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.labels.map((label, index) => (
            <tr key={label}>
              <th scope="row">{label}</th>
              {props.series.map((series) => (
                <td key={series.label}>{series.values[index] ?? ''}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  )
}
