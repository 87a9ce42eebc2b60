export function AnalysePage() {
  return (
    <section>
      <h1>AnalysePage</h1>
    </section>
  )
}
