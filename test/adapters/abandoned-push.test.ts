import { it } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { createGitRepos } from '../../src/git/adapters/git-cli.ts'
import { cleanGitEnv } from '../../src/git/adapters/run-git.ts'
import { createRepository } from '../../src/git/service/repositories.ts'
import { PUSH_MARK_MS, REFERENCE_UPDATED, syncAbandonedPushes } from '../../src/git/service/ref-updates.ts'
import type { GitContext } from '../../src/git/service/context.ts'
import { EventBus } from '../../src/events/bus.ts'
import { openSqliteStore } from '../../src/infra/sql-store/sql-store.ts'
import { ManualClock } from '../helpers/manual-clock.ts'
import { tempDir } from '../helpers/server.ts'

const git = (args: string[], cwd?: string) => execFileSync('git', args, { cwd, env: cleanGitEnv(), encoding: 'utf8' }).trim()

it('publishes a push whose server died between git and the events, once its mark is old, and only once', async () => {
  const dir = tempDir('abandoned-push')
  const store = await openSqliteStore(dir)
  const clock = new ManualClock(Date.parse('2026-12-01T10:00:00Z'))
  const bus = new EventBus(store, clock, (err) => assert.fail(String(err)))
  const ctx: GitContext = { store, repos: createGitRepos(path.join(dir, 'git')), clock, bus, region: 'us-east-1', accountId: '000000000000', baseUrl: () => 'http://127.0.0.1' }
  try {
    const meta = await createRepository(ctx, { name: 'orphaned' })
    // A server marks the push, git takes it in … and the server dies before publishing.
    await store.repositories.requestSync(meta.repositoryId!, clock.now())
    const work = path.join(dir, 'work')
    fs.mkdirSync(work)
    git(['init', '-q', '-b', 'main'], work)
    fs.writeFileSync(path.join(work, 'a.txt'), 'a\n')
    git(['add', '-A'], work)
    git(['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', 'a'], work)
    git(['push', '-q', ctx.repos.pathOf(meta.repositoryId!), 'main:main'], work)
    const start = await store.events.end()

    clock.advance(PUSH_MARK_MS - 1000)
    await syncAbandonedPushes(ctx)
    assert.deepEqual(await store.events.after(start, 10), [], 'a push still marked recently may still be running')

    clock.advance(2000)
    await syncAbandonedPushes(ctx)
    const published = await store.events.after(start, 10)
    assert.deepEqual(published.map((e) => [e.type, e.detail.ref, e.detail.newCommitId]), [[REFERENCE_UPDATED, 'refs/heads/main', git(['rev-parse', 'HEAD'], work)]])
    assert.deepEqual(await store.repositories.syncRequestedBefore(new Date(clock.now().getTime() + 1)), [], 'the mark is gone')

    clock.advance(PUSH_MARK_MS * 2)
    await syncAbandonedPushes(ctx)
    assert.equal((await store.events.after(start, 10)).length, 1, 'published once')
  } finally {
    await store.close()
  }
})
