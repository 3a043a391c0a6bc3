import { fromMs, optDate, placeholders, type Row, type Sql } from '../sql/sql.ts'
import type { ManifestRecord, PullThroughRuleRecord, RegistryStore, RepositoryRecord, TagRecord, UploadRecord } from '../../registry/records.ts'

type Dated<T, K extends keyof T> = Omit<T, K> & { [P in K]: number | undefined }

const repoJson = (r: RepositoryRecord): string =>
  JSON.stringify({ ...r, createdAt: r.createdAt.getTime(), lifecycleEvaluatedAt: r.lifecycleEvaluatedAt?.getTime() } satisfies Dated<RepositoryRecord, 'createdAt' | 'lifecycleEvaluatedAt'>)
const toRepo = (row: Row): RepositoryRecord => {
  const s = JSON.parse(String(row.record)) as Dated<RepositoryRecord, 'createdAt' | 'lifecycleEvaluatedAt'>
  const { lifecycleEvaluatedAt, createdAt, ...rest } = s
  return { ...rest, createdAt: new Date(Number(createdAt)), ...(lifecycleEvaluatedAt !== undefined ? { lifecycleEvaluatedAt: new Date(lifecycleEvaluatedAt) } : {}) }
}

const toManifest = (r: Row): ManifestRecord => ({
  repository: String(r.repository),
  digest: String(r.digest),
  mediaType: String(r.media_type),
  ...(r.artifact_type !== null && r.artifact_type !== undefined ? { artifactType: String(r.artifact_type) } : {}),
  body: Buffer.from(r.body as Uint8Array),
  imageSize: Number(r.image_size),
  children: JSON.parse(String(r.children)) as string[],
  pushedAt: fromMs(r.pushed_at),
  ...(r.last_pulled_at !== null && r.last_pulled_at !== undefined ? { lastPulledAt: optDate(r.last_pulled_at)! } : {}),
})

const toTag = (r: Row): TagRecord => ({ repository: String(r.repository), tag: String(r.tag), digest: String(r.digest), pushedAt: fromMs(r.pushed_at) })

const toUpload = (r: Row): UploadRecord => ({
  id: String(r.id),
  repository: String(r.repository),
  startedAt: fromMs(r.started_at),
  chunks: JSON.parse(String(r.record)) as UploadRecord['chunks'],
})

const ruleJson = (r: PullThroughRuleRecord): string => JSON.stringify({ ...r, createdAt: r.createdAt.getTime(), updatedAt: r.updatedAt.getTime() })
const toRule = (row: Row): PullThroughRuleRecord => {
  const s = JSON.parse(String(row.record)) as Dated<PullThroughRuleRecord, 'createdAt' | 'updatedAt'>
  return { ...s, createdAt: new Date(Number(s.createdAt)), updatedAt: new Date(Number(s.updatedAt)) }
}

async function presentOf(sql: Sql, table: string, repository: string, digests: string[]): Promise<Set<string>> {
  const found = new Set<string>()
  for (let i = 0; i < digests.length; i += 200) {
    const batch = digests.slice(i, i + 200)
    const rows = await sql.all(`SELECT digest FROM ${table} WHERE repository = ? AND digest IN (${placeholders(batch.length)})`, repository, ...batch)
    for (const r of rows) found.add(String(r.digest))
  }
  return found
}

export function sqlRegistry(sql: Sql): RegistryStore {
  return {
    insertRepository: async (r) =>
      (await sql.run('INSERT INTO registry_repositories (name, record, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING', r.name, repoJson(r), r.createdAt.getTime())) === 1,
    getRepository: async (name) => {
      const row = await sql.get('SELECT * FROM registry_repositories WHERE name = ?', name)
      return row ? toRepo(row) : undefined
    },
    listRepositories: async () => (await sql.all('SELECT * FROM registry_repositories ORDER BY name')).map(toRepo),
    updateRepository: async (r) => {
      await sql.run('UPDATE registry_repositories SET record = ? WHERE name = ?', repoJson(r), r.name)
    },
    deleteRepository: (name) => sql.atomic(async (sql) => {
      for (const table of ['registry_manifests', 'registry_tags', 'registry_repository_blobs', 'registry_uploads']) {
        await sql.run(`DELETE FROM ${table} WHERE repository = ?`, name)
      }
      await sql.run('DELETE FROM registry_repositories WHERE name = ?', name)
    }),

    getBlob: async (digest) => {
      const row = await sql.get('SELECT * FROM registry_blobs WHERE digest = ?', digest)
      return row ? { digest: String(row.digest), objectKey: String(row.object_key), size: Number(row.size), createdAt: fromMs(row.created_at) } : undefined
    },
    insertBlob: async (b) =>
      (await sql.run('INSERT INTO registry_blobs (digest, object_key, size, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (digest) DO NOTHING', b.digest, b.objectKey, b.size, b.createdAt.getTime())) === 1,
    linkBlob: async (repository, digest) => {
      await sql.run('INSERT INTO registry_repository_blobs (repository, digest) VALUES (?, ?) ON CONFLICT (repository, digest) DO NOTHING', repository, digest)
    },
    isLinked: async (repository, digest) => (await sql.get('SELECT 1 AS x FROM registry_repository_blobs WHERE repository = ? AND digest = ?', repository, digest)) !== undefined,
    linkedOf: (repository, digests) => presentOf(sql, 'registry_repository_blobs', repository, digests),

    getManifest: async (repository, digest) => {
      const row = await sql.get('SELECT * FROM registry_manifests WHERE repository = ? AND digest = ?', repository, digest)
      return row ? toManifest(row) : undefined
    },
    putManifest: async (m) => {
      await sql.run(
        `INSERT INTO registry_manifests (repository, digest, media_type, artifact_type, body, image_size, children, pushed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (repository, digest) DO NOTHING`,
        m.repository, m.digest, m.mediaType, m.artifactType ?? null, m.body, m.imageSize, JSON.stringify(m.children), m.pushedAt.getTime(),
      )
    },
    deleteManifest: (repository, digest) => sql.atomic(async (sql) => {
      await sql.run('DELETE FROM registry_tags WHERE repository = ? AND digest = ?', repository, digest)
      await sql.run('DELETE FROM registry_manifests WHERE repository = ? AND digest = ?', repository, digest)
    }),
    listManifests: async (repository) => (await sql.all('SELECT * FROM registry_manifests WHERE repository = ? ORDER BY pushed_at, digest', repository)).map(toManifest),
    manifestsOf: (repository, digests) => presentOf(sql, 'registry_manifests', repository, digests),
    touchPulled: async (repository, digest, at) => {
      // At most one write per image a minute, however often it is pulled.
      await sql.run('UPDATE registry_manifests SET last_pulled_at = ? WHERE repository = ? AND digest = ? AND (last_pulled_at IS NULL OR last_pulled_at < ?)', at.getTime(), repository, digest, at.getTime() - 60_000)
    },

    getTag: async (repository, tag) => {
      const row = await sql.get('SELECT * FROM registry_tags WHERE repository = ? AND tag = ?', repository, tag)
      return row ? toTag(row) : undefined
    },
    putTag: async (t) => {
      await sql.run(
        'INSERT INTO registry_tags (repository, tag, digest, pushed_at) VALUES (?, ?, ?, ?) ON CONFLICT (repository, tag) DO UPDATE SET digest = excluded.digest, pushed_at = excluded.pushed_at',
        t.repository, t.tag, t.digest, t.pushedAt.getTime(),
      )
    },
    deleteTag: async (repository, tag) => {
      await sql.run('DELETE FROM registry_tags WHERE repository = ? AND tag = ?', repository, tag)
    },
    listTags: async (repository) => (await sql.all('SELECT * FROM registry_tags WHERE repository = ? ORDER BY tag', repository)).map(toTag),

    insertUpload: async (u) => {
      await sql.run('INSERT INTO registry_uploads (id, repository, record, started_at) VALUES (?, ?, ?, ?)', u.id, u.repository, JSON.stringify(u.chunks), u.startedAt.getTime())
    },
    getUpload: async (id) => {
      const row = await sql.get('SELECT * FROM registry_uploads WHERE id = ?', id)
      return row ? toUpload(row) : undefined
    },
    updateUpload: async (u) => {
      await sql.run('UPDATE registry_uploads SET record = ? WHERE id = ?', JSON.stringify(u.chunks), u.id)
    },
    deleteUpload: async (id) => {
      await sql.run('DELETE FROM registry_uploads WHERE id = ?', id)
    },
    staleUploads: async (before) => (await sql.all('SELECT * FROM registry_uploads WHERE started_at < ? ORDER BY started_at LIMIT 100', before.getTime())).map(toUpload),

    insertPullThroughRule: async (r) =>
      (await sql.run('INSERT INTO registry_pull_through_rules (prefix, record, created_at) VALUES (?, ?, ?) ON CONFLICT (prefix) DO NOTHING', r.prefix, ruleJson(r), r.createdAt.getTime())) === 1,
    listPullThroughRules: async () => (await sql.all('SELECT * FROM registry_pull_through_rules ORDER BY prefix')).map(toRule),
    updatePullThroughRule: async (r) => {
      await sql.run('UPDATE registry_pull_through_rules SET record = ? WHERE prefix = ?', ruleJson(r), r.prefix)
    },
    deletePullThroughRule: async (prefix) => (await sql.run('DELETE FROM registry_pull_through_rules WHERE prefix = ?', prefix)) === 1,
  }
}
