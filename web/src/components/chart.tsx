import { useEffect, useRef, useState } from 'preact/hooks'
import type uPlot from 'uplot'
import { TableWrap } from './table-wrap.js'

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
  /** What the x axis shows, for the data table's first column ("Function", "Day"). */
  xLabel?: string
  /** Formats a value in the data table and on the y axis (default: the number as written). */
  format?: (value: number) => string
}

/** Colours of the series, as CSS variables of the theme (base.css): readable in light and dark. */
const SERIES_COLOURS = ['--accent', '--warn', '--ok', '--danger', '--fg-muted', '--fg']
/** Line dashes, so two series differ by more than their colour. */
const DASHES: number[][] = [[], [6, 3], [2, 3], [8, 3, 2, 3], [12, 4], [1, 2]]
/** Bars take this share of their column; the rest is the gap between columns. */
const GROUP_SHARE = 0.7
/** Room for one character of an x label, in CSS pixels, and around a label. */
const CHAR_ROOM = 7
const LABEL_PADDING = 12
const MAX_LABEL = 14

let uplotModule: Promise<typeof uPlot> | null = null

/** uPlot and its stylesheet, loaded once, when the first chart is shown. */
function loadUplot(): Promise<typeof uPlot> {
  uplotModule ??= Promise.all([import('uplot'), import('uplot/dist/uPlot.min.css')]).then(
    ([module]) => module.default,
  )
  return uplotModule
}

interface Theme {
  series: string[]
  fg: string
  muted: string
  grid: string
}

function readTheme(element: Element): Theme {
  const style = getComputedStyle(element)
  const read = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback
  return {
    series: SERIES_COLOURS.map((name) => read(name, '#0b5cad')),
    fg: read('--fg', '#1b1f24'),
    muted: read('--fg-muted', '#57606a'),
    grid: read('--border', '#d0d7de'),
  }
}

function shorten(label: string): string {
  return label.length > MAX_LABEL ? `${label.slice(0, MAX_LABEL - 1)}…` : label
}

function plainNumber(value: number): string {
  return Number.isInteger(value)
    ? value.toLocaleString('en')
    : value.toLocaleString('en', { maximumFractionDigits: 2 })
}

/** The options of one uPlot chart: categorical x (index of the label), one y scale from 0. */
function chartOptions(
  UPlot: typeof uPlot,
  props: ChartProps,
  theme: Theme,
  width: number,
  height: number,
): uPlot.Options {
  const count = props.labels.length
  const seriesCount = props.series.length
  const format = props.format ?? plainNumber
  const axisFont = '12px system-ui, sans-serif'
  const barWidth = GROUP_SHARE / count / Math.max(1, seriesCount)
  const bars = (index: number) =>
    UPlot.paths.bars!({
      align: 1,
      disp: {
        // Grouped bars: each series gets its own slot in the column, in fractions of the plot.
        x0: {
          unit: 2 as uPlot.Series.BarsPathBuilderFacetUnit,
          values: () =>
            props.labels.map(
              (_, column) => (column + (1 - GROUP_SHARE) / 2) / count + index * barWidth,
            ),
        },
        size: {
          unit: 2 as uPlot.Series.BarsPathBuilderFacetUnit,
          values: () => props.labels.map(() => barWidth),
        },
      },
    })
  return {
    width,
    height,
    legend: { show: false },
    cursor: { show: false },
    scales: {
      x: { time: false, range: [-0.5, count - 0.5] },
      y: {
        range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1],
      },
    },
    axes: [
      {
        stroke: theme.muted,
        font: axisFont,
        grid: { show: false },
        ticks: { stroke: theme.grid },
        splits: (u) => {
          const room = u.bbox.width / (globalThis.devicePixelRatio || 1)
          // Fewer labels are shown when they would overlap.
          const longest = Math.max(...props.labels.map((label) => shorten(label).length))
          const labelRoom = longest * CHAR_ROOM + LABEL_PADDING
          const step = Math.max(1, Math.ceil((count * labelRoom) / Math.max(room, 1)))
          return props.labels.map((_, index) => index).filter((index) => index % step === 0)
        },
        values: (_u, splits) => splits.map((index) => shorten(props.labels[index] ?? '')),
      },
      {
        stroke: theme.muted,
        font: axisFont,
        grid: { stroke: theme.grid, width: 1 },
        ticks: { stroke: theme.grid },
        size: 60,
        values: (_u, splits) => splits.map((value) => format(value)),
      },
    ],
    series: [
      {},
      ...props.series.map((series, index): uPlot.Series => {
        const colour = theme.series[index % theme.series.length] ?? theme.fg
        return props.kind === 'bar'
          ? {
              label: series.label,
              stroke: colour,
              fill: colour,
              width: 0,
              paths: bars(index),
              points: { show: false },
            }
          : {
              label: series.label,
              stroke: colour,
              width: 2,
              dash: DASHES[index % DASHES.length],
              points: { show: true, size: 6, fill: colour },
            }
      }),
    ],
  }
}

/**
 * A bar or line chart of values by category (functions, days), drawn by uPlot (loaded lazily).
 * The canvas is an image named by the title; the same data is in a table below it, for anyone
 * who cannot see the chart; the legend names each series by colour and line style.
 */
export function Chart(props: ChartProps) {
  const { title, kind, labels, series } = props
  const height = props.height ?? 240
  const plotRef = useRef<HTMLDivElement>(null)
  const [theme, setTheme] = useState<Theme | null>(null)
  const [failed, setFailed] = useState(false)
  const empty = labels.length === 0 || series.length === 0
  const format = props.format ?? plainNumber

  // The colours come from the theme's CSS variables; read again when the system theme changes.
  useEffect(() => {
    const element = plotRef.current
    if (!element || empty) return
    setTheme(readTheme(element))
    const media = matchMedia('(prefers-color-scheme: dark)')
    const changed = () => setTheme(readTheme(element))
    media.addEventListener('change', changed)
    return () => media.removeEventListener('change', changed)
  }, [empty])

  useEffect(() => {
    const element = plotRef.current
    if (!element || empty || !theme) return
    let plot: uPlot | null = null
    let cancelled = false
    let observer: ResizeObserver | null = null
    loadUplot()
      .then((UPlot) => {
        if (cancelled) return
        const width = Math.max(element.clientWidth, 100)
        const data: uPlot.AlignedData = [
          labels.map((_, index) => index),
          ...series.map((s) => s.values),
        ]
        plot = new UPlot(chartOptions(UPlot, props, theme, width, height), data, element)
        observer = new ResizeObserver(() => {
          const next = Math.max(element.clientWidth, 100)
          if (plot && next !== plot.width) plot.setSize({ width: next, height })
        })
        observer.observe(element)
      })
      .catch(() => {
        if (!cancelled) setFailed(true)
      })
    return () => {
      cancelled = true
      observer?.disconnect()
      plot?.destroy()
    }
    // The chart is rebuilt when what it shows changes; props.format is assumed stable per chart.
  }, [empty, theme, kind, height, JSON.stringify(labels), JSON.stringify(series)])

  if (empty) {
    return (
      <figure class="chart">
        <figcaption class="chart-title">{title}</figcaption>
        <p class="muted">No data</p>
      </figure>
    )
  }

  const colours = theme?.series ?? []
  return (
    <figure class="chart" style={{ margin: '0.75rem 0', minWidth: 0 }}>
      <figcaption style={{ fontWeight: 600, marginBottom: '0.25rem' }}>{title}</figcaption>
      <ul
        class="chart-legend"
        aria-label="Legend"
        style={{
          display: 'flex',
          flexWrap: 'wrap',
          gap: '0.25rem 1rem',
          listStyle: 'none',
          margin: 0,
          padding: 0,
        }}
      >
        {series.map((entry, index) => (
          <li
            key={entry.label}
            class="small"
            style={{ display: 'inline-flex', alignItems: 'center', gap: '0.35rem' }}
          >
            <svg width="24" height="12" aria-hidden="true">
              {kind === 'bar' ? (
                <rect
                  x="4"
                  y="1"
                  width="16"
                  height="10"
                  fill={colours[index % colours.length] ?? 'currentColor'}
                />
              ) : (
                <line
                  x1="0"
                  y1="6"
                  x2="24"
                  y2="6"
                  stroke={colours[index % colours.length] ?? 'currentColor'}
                  stroke-width="2"
                  stroke-dasharray={(DASHES[index % DASHES.length] ?? []).join(' ') || undefined}
                />
              )}
            </svg>
            {entry.label}
          </li>
        ))}
      </ul>
      <div
        ref={plotRef}
        role="img"
        aria-label={`${title}: ${kind === 'bar' ? 'bar' : 'line'} chart of ${series.map((s) => s.label).join(', ')} over ${labels.length} ${labels.length === 1 ? 'point' : 'points'}; the data table follows`}
        style={{ width: '100%', minHeight: `${height}px`, overflow: 'hidden' }}
      >
        {failed && (
          <p class="muted">The chart could not be drawn; the data is in the table below.</p>
        )}
      </div>
      <details>
        <summary>Show the data as a table</summary>
        <TableWrap label={`${title}: data`}>
          <table>
            <caption class="visually-hidden">{title}</caption>
            <thead>
              <tr>
                <th scope="col">{props.xLabel ?? 'Label'}</th>
                {series.map((entry) => (
                  <th scope="col" class="number" key={entry.label}>
                    {entry.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {labels.map((label, index) => (
                <tr key={`${index}-${label}`}>
                  <th scope="row">{label}</th>
                  {series.map((entry) => {
                    const value = entry.values[index]
                    return (
                      <td class="number" key={entry.label}>
                        {value === null || value === undefined ? '–' : format(value)}
                      </td>
                    )
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      </details>
    </figure>
  )
}
