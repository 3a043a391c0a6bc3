export function BuildList() {
  return <section><h1>Build projects</h1></section>
}
