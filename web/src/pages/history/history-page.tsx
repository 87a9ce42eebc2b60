export function HistoryPage() {
  return (
    <section>
      <h1>HistoryPage</h1>
    </section>
  )
}
