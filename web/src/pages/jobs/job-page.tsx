export function JobPage(props: { id: string }) {
  return (
    <section>
      <h1>Job {props.id}</h1>
    </section>
  )
}
