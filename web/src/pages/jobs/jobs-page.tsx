export function JobsPage() {
  return (
    <section>
      <h1>JobsPage</h1>
    </section>
  )
}
