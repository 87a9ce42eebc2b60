import { bandOf, percentOf, type Band } from './bands.js'

/**
 * A 0–100 score drawn on its bands: a strip with each band labelled and a marker at the score,
 * and the score and its band in words (the colours only repeat what the text says).
 */
export function ScoreBand(props: { title: string; score: number; bands: Band[]; note?: string }) {
  const { title, score, bands } = props
  const band = bandOf(score, bands)
  return (
    <div class="score-band">
      <p class="score-band-title">
        <span class="field-label">{title}</span>{' '}
        <strong class="score-band-value">{score.toFixed(1)}</strong>
        <span class="muted"> / 100</span> <span class={`badge ${band.tone}`}>{band.label}</span>
      </p>
      <div class="score-band-strip" aria-hidden="true">
        {bands.map((item) => (
          <span
            key={item.label}
            class={`score-band-part ${item.tone}`}
            style={{ flexGrow: item.to - item.from }}
          >
            <span class="score-band-label">{item.from}</span>
          </span>
        ))}
        <span class="score-band-marker" style={{ left: `${percentOf(score)}%` }} />
      </div>
      <p class="small muted">
        Bands: {bands.map((item) => `${item.label} (${item.from}–${item.to})`).join(', ')}.
        {props.note ? ` ${props.note}` : ''}
      </p>
    </div>
  )
}
