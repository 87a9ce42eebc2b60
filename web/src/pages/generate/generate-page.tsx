export function GeneratePage() {
  return (
    <section>
      <h1>GeneratePage</h1>
    </section>
  )
}
