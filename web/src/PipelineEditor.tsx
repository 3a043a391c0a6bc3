export function PipelineEditor({ name }: { name: string }) {
  return <section><h1>Edit {name}</h1></section>
}
