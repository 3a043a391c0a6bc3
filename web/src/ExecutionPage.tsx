export function ExecutionPage({ pipeline, id }: { pipeline: string; id: string }) {
  return <section><h1>{pipeline} · {id}</h1></section>
}
