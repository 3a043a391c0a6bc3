import { it } from 'node:test'
import assert from 'node:assert/strict'
import { DatabaseSync } from 'node:sqlite'
import path from 'node:path'
import { openSqliteStore } from '../../src/infra/sql-store/sql-store.ts'
import { tempDir } from '../helpers/server.ts'
import { describeStore } from './store-suite.ts'

describeStore('sqlite', () => openSqliteStore(tempDir('store')))

it('sqlite: applies migrations once, in WAL mode, and reopens with data intact', async () => {
  const dir = tempDir('store-reopen')
  const first = await openSqliteStore(dir)
  await first.repositories.insert({ id: 'x', name: 'kept', createdAt: new Date(0), lastModifiedAt: new Date(0) })
  first.close()
  const second = await openSqliteStore(dir)
  assert.equal((await second.repositories.getByName('kept'))?.id, 'x')
  second.close()
  const db = new DatabaseSync(path.join(dir, 'slipway.db'))
  assert.equal((db.prepare('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode, 'wal')
  const versions = db.prepare('SELECT version FROM schema_migrations').all().map((r) => Number(r.version))
  assert.deepEqual(versions, [...new Set(versions)].sort((a, b) => a - b))
  assert.ok(versions.includes(1))
  db.close()
})
