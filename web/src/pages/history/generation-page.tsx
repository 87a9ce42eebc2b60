export function GenerationPage(props: { id: string }) {
  return (
    <section>
      <h1>Generation {props.id}</h1>
    </section>
  )
}
