import { fromMs, type Row, type Sql } from '../sql/sql.ts'
import type { FleetRecord, FleetStore, RunnerRecord, RunnerStore } from '../../build/records.ts'

const toRunner = (r: Row): RunnerRecord => ({
  id: String(r.id),
  name: String(r.name),
  principal: String(r.principal),
  labels: JSON.parse(String(r.labels)) as RunnerRecord['labels'],
  capacity: Number(r.capacity),
  executor: String(r.executor),
  version: String(r.version),
  images: JSON.parse(String(r.images ?? '[]')) as string[],
  registeredAt: fromMs(r.registered_at),
  lastSeenAt: fromMs(r.last_seen_at),
})

export function sqlRunners(sql: Sql): RunnerStore {
  return {
    upsert: async (r) => {
      await sql.run(
        `INSERT INTO runners (id, name, principal, labels, capacity, executor, version, images, registered_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, labels = excluded.labels, capacity = excluded.capacity, executor = excluded.executor, version = excluded.version, images = excluded.images, last_seen_at = excluded.last_seen_at`,
        r.id, r.name, r.principal, JSON.stringify(r.labels), r.capacity, r.executor, r.version, JSON.stringify(r.images), r.registeredAt.getTime(), r.lastSeenAt.getTime(),
      )
    },
    get: async (id) => {
      const row = await sql.get('SELECT * FROM runners WHERE id = ?', id)
      return row ? toRunner(row) : undefined
    },
    // At most one write per runner every 5 s, however often it calls (every log chunk does).
    touch: async (id, at) => {
      await sql.run('UPDATE runners SET last_seen_at = ? WHERE id = ? AND last_seen_at < ?', at.getTime(), id, at.getTime() - 5000)
    },
    active: async (since) => (await sql.all('SELECT * FROM runners WHERE last_seen_at >= ? ORDER BY name, id', since.getTime())).map(toRunner),
    prune: async (before) => sql.run('DELETE FROM runners WHERE last_seen_at < ?', before.getTime()),
  }
}

type StoredFleet = Omit<FleetRecord, 'created' | 'lastModified'> & { created: number; lastModified: number }
const fleetJson = (f: FleetRecord): string => JSON.stringify({ ...f, created: f.created.getTime(), lastModified: f.lastModified.getTime() } satisfies StoredFleet)
const toFleet = (r: Row): FleetRecord => {
  const s = JSON.parse(String(r.record)) as StoredFleet
  return { ...s, created: new Date(s.created), lastModified: new Date(s.lastModified) }
}

export function sqlFleets(sql: Sql): FleetStore {
  return {
    insert: async (f) => (await sql.run('INSERT INTO build_fleets (name, record, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING', f.name, fleetJson(f), f.created.getTime())) === 1,
    get: async (name) => {
      const row = await sql.get('SELECT * FROM build_fleets WHERE name = ?', name)
      return row ? toFleet(row) : undefined
    },
    list: async () => (await sql.all('SELECT * FROM build_fleets ORDER BY created_at, name')).map(toFleet),
    update: async (f) => (await sql.run('UPDATE build_fleets SET record = ? WHERE name = ?', fleetJson(f), f.name)) === 1,
    delete: async (name) => (await sql.run('DELETE FROM build_fleets WHERE name = ?', name)) === 1,
  }
}
