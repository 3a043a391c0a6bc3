import { after, it } from 'node:test'
import assert from 'node:assert/strict'
import pg from 'pg'
import { openPostgresStore } from '../../src/infra/sql-store/sql-store.ts'
import { startTestPostgres } from '../helpers/postgres.ts'
import { describeStore } from './store-suite.ts'
import { describeSubStores } from './store-contract/index.ts'

const postgres = await startTestPostgres()

if (postgres.skip !== undefined) {
  console.log(`# SKIP PostgreSQL store tests: ${postgres.skip}`)
  it('PostgreSQL store contract', { skip: postgres.skip }, () => undefined)
} else {
  const server = postgres.server
  after(() => server.stop())
  describeStore('postgres', async () => openPostgresStore({ url: await server.createDatabase() }))
  describeSubStores('postgres', async () => openPostgresStore({ url: await server.createDatabase() }))

  it('postgres: migrates once when several servers start together, with byte-wise text columns', async () => {
    const url = await server.createDatabase()
    const stores = await Promise.all([1, 2, 3].map(() => openPostgresStore({ url })))
    await stores[0]!.repositories.insert({ id: 'x', name: 'kept', createdAt: new Date(0), lastModifiedAt: new Date(0) })
    assert.equal((await stores[2]!.repositories.getByName('kept'))?.id, 'x')
    await Promise.all(stores.map((s) => s.close()))
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    try {
      const versions = (await client.query('SELECT version FROM schema_migrations ORDER BY version')).rows.map((r: { version: string }) => Number(r.version))
      assert.deepEqual(versions, [...new Set(versions)])
      assert.ok(versions.includes(1))
      const uncollated = await client.query(`SELECT table_name, column_name FROM information_schema.columns
        WHERE table_schema = 'public' AND data_type = 'text' AND collation_name IS DISTINCT FROM 'C'`)
      assert.deepEqual(uncollated.rows, [], 'every text column sorts byte-wise')
    } finally {
      await client.end()
    }
  })
}
