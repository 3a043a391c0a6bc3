export function RepositoryList() {
  return <section><h1>Repositories</h1></section>
}
