/**
 * The deploy agent's lifecycle on real files and real processes: bundles built with python3 zipfile /
 * tarfile and the system tar, unpacked into a temp deployment root; Install copying files with each
 * file_exists_behavior and the cleanup list; hooks running in order with their environment, timeouts,
 * runas; refused bundles that try to write outside the root; a malformed appspec.
 */
import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { unpackBundle, UnsafeBundleEntry } from '../../src/agent/unpack-bundle.ts'
import { ArchiveTooLarge } from '../../src/shared/input-limits.ts'
import { isNoop, runLifecycleEvent } from '../../src/agent/lifecycle-events.ts'
import type { EventContext } from '../../src/agent/lifecycle-events.ts'
import { deploymentPaths, cleanupFile, lastSuccessfulInstall, recordMostRecentInstall } from '../../src/agent/layout.ts'
import { diagnosticsFor, ErrorCode, EventFailure, LogTail } from '../../src/agent/diagnostics.ts'
import { scriptArgv, scriptPath } from '../../src/agent/run-hooks.ts'
import type { DeploymentSpec, FileExistsBehavior } from '../../src/agent/deployment-spec.ts'

const base = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-lifecycle-'))
after(() => fs.rmSync(base, { recursive: true, force: true }))
let counter = 0
const fresh = (name: string) => {
  const dir = path.join(base, `${name}-${++counter}`)
  fs.mkdirSync(dir, { recursive: true })
  return dir
}

function python(script: string, ...args: string[]): void {
  const r = spawnSync('python3', ['-c', script, ...args], { encoding: 'utf8' })
  assert.equal(r.status, 0, r.stderr)
}

/** Zips a folder's contents (python3 zipfile), entries relative to the folder, modes kept. */
function zipDir(dir: string, out: string): string {
  python(
    `import os, sys, zipfile
src, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(out, 'w') as z:
    for root, dirs, files in os.walk(src):
        for f in files:
            p = os.path.join(root, f)
            z.write(p, os.path.relpath(p, src))`,
    dir,
    out,
  )
  return out
}

/** A tar.gz of a folder made by the system tar (`-C dir .`, so names start with `./`). */
function tgzDir(dir: string, out: string): string {
  const r = spawnSync('tar', ['-czf', out, '-C', dir, '.'], { encoding: 'utf8' })
  assert.equal(r.status, 0, r.stderr)
  return out
}

type Revision = { appspec: string; files?: Record<string, string>; scripts?: Record<string, string> }

function writeRevision(dir: string, rev: Revision): string {
  fs.mkdirSync(dir, { recursive: true })
  fs.writeFileSync(path.join(dir, 'appspec.yml'), rev.appspec)
  for (const [name, text] of Object.entries(rev.files ?? {})) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true })
    fs.writeFileSync(path.join(dir, name), text)
  }
  for (const [name, text] of Object.entries(rev.scripts ?? {})) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true })
    // Deliberately not executable: the agent must chmod +x it.
    fs.writeFileSync(path.join(dir, name), text, { mode: 0o644 })
  }
  return dir
}

function spec(id: string, overrides: Partial<DeploymentSpec> = {}): DeploymentSpec {
  return {
    deploymentId: id,
    deploymentGroupId: 'dg-0001',
    deploymentGroupName: 'Fleet',
    applicationName: 'Web',
    deploymentCreator: 'user',
    deploymentType: 'IN_PLACE',
    appSpecFilename: 'appspec.yml',
    revision: { bucket: 'bundles', key: `web/${id}.zip`, bundleType: 'zip', version: 'v-1', etag: 'abc123' },
    fileExistsBehavior: 'DISALLOW',
    ...overrides,
  }
}

/** DownloadBundle without the network: the bundle is copied into place and unpacked by the agent. */
async function stage(root: string, s: DeploymentSpec, bundle: string): Promise<void> {
  const paths = deploymentPaths(root, s.deploymentGroupId, s.deploymentId)
  fs.mkdirSync(paths.dir, { recursive: true })
  fs.copyFileSync(bundle, paths.bundle)
  await unpackBundle(paths.bundle, paths.archive, s.revision.bundleType)
  recordMostRecentInstall(root, s.deploymentGroupId, paths.dir)
}

function context(root: string, s: DeploymentSpec, tail = new LogTail()): EventContext {
  return { root, spec: s, s3: { url: 'http://127.0.0.1:9', region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } }, tail, killGraceMs: 500 }
}

async function run(event: string, root: string, s: DeploymentSpec, tail = new LogTail()) {
  try {
    await runLifecycleEvent(event, context(root, s, tail))
    return diagnosticsFor(undefined, tail.text())
  } catch (err) {
    return diagnosticsFor(err, tail.text())
  }
}

const HOOK_EVENTS = ['ApplicationStop', 'BeforeInstall', 'AfterInstall', 'ApplicationStart', 'ValidateService']

/** Runs a whole in-place deployment (minus the download) and returns each event's diagnostics. */
async function deploy(root: string, s: DeploymentSpec, bundle: string) {
  const results: Record<string, Awaited<ReturnType<typeof run>>> = {}
  results.ApplicationStop = await run('ApplicationStop', root, s)
  await stage(root, s, bundle)
  for (const event of ['BeforeInstall', 'Install', 'AfterInstall', 'ApplicationStart', 'ValidateService']) {
    results[event] = await run(event, root, s)
    if (results[event]?.error_code !== 0) break
  }
  return results
}

const markerScript = (marker: string, label: string) =>
  `#!/bin/sh\necho "${label} $LIFECYCLE_EVENT $DEPLOYMENT_ID $APPLICATION_NAME $DEPLOYMENT_GROUP_NAME $DEPLOYMENT_GROUP_ID $BUNDLE_BUCKET $BUNDLE_KEY $BUNDLE_VERSION $BUNDLE_ETAG" >> ${marker}\necho "out from ${label}"\necho "err from ${label}" >&2\n`

function hooksAppspec(dest: string, events: string[], extra = ''): string {
  return `version: 0.0
os: linux
files:
  - source: /www
    destination: ${dest}/www
  - source: config/app.conf
    destination: ${dest}/etc
${extra}hooks:
${events.map((e) => `  ${e}:\n    - location: scripts/${e}.sh\n      timeout: 30\n`).join('')}`
}

describe('agent lifecycle: unpack and Install', () => {
  it('installs a zip bundle: a file source lands at <destination>/<basename>, a directory source is copied recursively', async () => {
    const root = fresh('root')
    const dest = fresh('dest')
    const rev = writeRevision(fresh('rev'), {
      appspec: hooksAppspec(dest, []),
      files: { 'www/index.html': '<h1>v1</h1>\n', 'www/css/site.css': 'body{}\n', 'config/app.conf': 'port=80\n' },
    })
    const s = spec('d-ZIP000001')
    const results = await deploy(root, s, zipDir(rev, path.join(fresh('b'), 'bundle.zip')))
    for (const [event, d] of Object.entries(results)) assert.equal(d.error_code, 0, `${event}: ${d.message}`)
    assert.equal(fs.readFileSync(path.join(dest, 'www', 'index.html'), 'utf8'), '<h1>v1</h1>\n')
    assert.equal(fs.readFileSync(path.join(dest, 'www', 'css', 'site.css'), 'utf8'), 'body{}\n')
    assert.equal(fs.readFileSync(path.join(dest, 'etc', 'app.conf'), 'utf8'), 'port=80\n')
    const paths = deploymentPaths(root, s.deploymentGroupId, s.deploymentId)
    assert.equal(lastSuccessfulInstall(root, s.deploymentGroupId), paths.dir)
    assert.ok(fs.existsSync(paths.bundle), 'the bundle is kept as bundle.tar')
    const cleanup = fs.readFileSync(cleanupFile(root, s.deploymentGroupId), 'utf8').trim().split('\n')
    assert.ok(cleanup.includes(path.join(dest, 'www', 'index.html')))
    assert.ok(cleanup.includes(path.join(dest, 'etc')), 'created directories are recorded too')
  })

  it('installs into a destination that is a symlink to a directory', async () => {
    const root = fresh('root')
    const dest = fresh('dest')
    const real = fresh('real-www')
    fs.symlinkSync(real, path.join(dest, 'www'))
    const rev = writeRevision(fresh('rev'), { appspec: hooksAppspec(dest, []), files: { 'www/index.html': 'linked\n', 'config/app.conf': 'c\n' } })
    const r = await deploy(root, spec('d-LNK000001'), zipDir(rev, path.join(fresh('b'), 'b.zip')))
    assert.equal(r.Install?.error_code, 0, r.Install?.message)
    assert.equal(fs.readFileSync(path.join(real, 'index.html'), 'utf8'), 'linked\n')
  })

  it('installs a tgz bundle made by tar, stripping a single top-level directory that holds the appspec', async () => {
    const root = fresh('root')
    const dest = fresh('dest')
    const outer = fresh('rev')
    writeRevision(path.join(outer, 'myapp-1.0'), {
      appspec: hooksAppspec(dest, []),
      files: { 'www/index.html': 'tgz\n', 'config/app.conf': 'x\n' },
    })
    const s = spec('d-TGZ000001', { revision: { bucket: 'b', key: 'k.tgz', bundleType: 'tgz' } })
    const results = await deploy(root, s, tgzDir(outer, path.join(fresh('b'), 'bundle.tgz')))
    assert.equal(results.Install?.error_code, 0, results.Install?.message)
    assert.equal(fs.readFileSync(path.join(dest, 'www', 'index.html'), 'utf8'), 'tgz\n')
    assert.ok(fs.existsSync(path.join(deploymentPaths(root, s.deploymentGroupId, s.deploymentId).archive, 'appspec.yml')))
  })

  it('DISALLOW fails on a file that the previous deployment did not install, before copying anything', async () => {
    const root = fresh('root')
    const dest = fresh('dest')
    fs.mkdirSync(path.join(dest, 'etc'))
    fs.writeFileSync(path.join(dest, 'etc', 'app.conf'), 'hand-made\n')
    const rev = writeRevision(fresh('rev'), { appspec: hooksAppspec(dest, []), files: { 'www/index.html': 'v1\n', 'config/app.conf': 'new\n' } })
    const results = await deploy(root, spec('d-DIS000001'), zipDir(rev, path.join(fresh('b'), 'b.zip')))
    assert.equal(results.Install?.error_code, ErrorCode.UnknownError)
    assert.equal(results.Install?.message, `The deployment failed because a specified file already exists at this location: ${path.join(dest, 'etc', 'app.conf')}`)
    assert.equal(fs.readFileSync(path.join(dest, 'etc', 'app.conf'), 'utf8'), 'hand-made\n')
    assert.equal(fs.existsSync(path.join(dest, 'www')), false, 'nothing was copied')
    assert.equal(lastSuccessfulInstall(root, 'dg-0001'), undefined)
  })

  it('OVERWRITE (appspec) replaces and RETAIN (deployment override) keeps an existing file; the appspec wins over the override', async () => {
    const root = fresh('root')
    const dest = fresh('dest')
    fs.mkdirSync(path.join(dest, 'etc'))
    fs.writeFileSync(path.join(dest, 'etc', 'app.conf'), 'hand-made\n')
    const files = { 'www/index.html': 'v1\n', 'config/app.conf': 'new\n' }
    const retain = writeRevision(fresh('rev'), { appspec: hooksAppspec(dest, []), files })
    const r1 = await deploy(root, spec('d-RET000001', { fileExistsBehavior: 'RETAIN' }), zipDir(retain, path.join(fresh('b'), 'b.zip')))
    assert.equal(r1.Install?.error_code, 0, r1.Install?.message)
    assert.equal(fs.readFileSync(path.join(dest, 'etc', 'app.conf'), 'utf8'), 'hand-made\n')
    assert.equal(fs.readFileSync(path.join(dest, 'www', 'index.html'), 'utf8'), 'v1\n')
    assert.ok(!fs.readFileSync(cleanupFile(root, 'dg-0001'), 'utf8').includes('app.conf'), 'a retained file is not ours to clean up')

    const overwrite = writeRevision(fresh('rev'), { appspec: hooksAppspec(dest, [], 'file_exists_behavior: OVERWRITE\n'), files: { ...files, 'config/app.conf': 'v2\n' } })
    const behaviours: FileExistsBehavior[] = ['RETAIN']
    const r2 = await deploy(root, spec('d-OVW000001', { fileExistsBehavior: behaviours[0] }), zipDir(overwrite, path.join(fresh('b'), 'b.zip')))
    assert.equal(r2.Install?.error_code, 0, r2.Install?.message)
    assert.equal(fs.readFileSync(path.join(dest, 'etc', 'app.conf'), 'utf8'), 'v2\n')
  })

  it("removes the previous deployment's files (cleanup list) before installing, so DISALLOW accepts our own files", async () => {
    const root = fresh('root')
    const dest = fresh('dest')
    const v1 = writeRevision(fresh('rev'), { appspec: hooksAppspec(dest, []), files: { 'www/index.html': 'v1\n', 'www/old.html': 'old\n', 'www/sub/deep.txt': 'deep\n', 'config/app.conf': 'v1\n' } })
    assert.equal((await deploy(root, spec('d-CLN000001'), zipDir(v1, path.join(fresh('b'), 'b.zip')))).Install?.error_code, 0)
    fs.writeFileSync(path.join(dest, 'www', 'made-by-a-script.log'), 'keep me\n')
    const v2 = writeRevision(fresh('rev'), { appspec: hooksAppspec(dest, []), files: { 'www/index.html': 'v2\n', 'config/app.conf': 'v2\n' } })
    const r = await deploy(root, spec('d-CLN000002'), zipDir(v2, path.join(fresh('b'), 'b.zip')))
    assert.equal(r.Install?.error_code, 0, r.Install?.message)
    assert.equal(fs.readFileSync(path.join(dest, 'www', 'index.html'), 'utf8'), 'v2\n')
    assert.equal(fs.existsSync(path.join(dest, 'www', 'old.html')), false)
    assert.equal(fs.existsSync(path.join(dest, 'www', 'sub')), false, 'an emptied directory we created is removed')
    assert.equal(fs.readFileSync(path.join(dest, 'www', 'made-by-a-script.log'), 'utf8'), 'keep me\n', 'files created by scripts stay')
    assert.equal(lastSuccessfulInstall(root, 'dg-0001'), deploymentPaths(root, 'dg-0001', 'd-CLN000002').dir)
  })

  it('applies permissions (mode, owner, group) to what Install copied', async (t) => {
    if (process.getuid?.() !== 0) return t.skip('chown needs root')
    const root = fresh('root')
    const dest = fresh('dest')
    const rev = writeRevision(fresh('rev'), {
      appspec: `${hooksAppspec(dest, [])}permissions:\n  - object: ${dest}/www\n    pattern: "*.html"\n    mode: 600\n    owner: nobody\n    type: [file]\n  - object: ${dest}/etc/app.conf\n    mode: "0640"\n`,
      files: { 'www/index.html': 'x\n', 'www/site.css': 'y\n', 'config/app.conf': 'z\n' },
    })
    const r = await deploy(root, spec('d-PRM000001'), zipDir(rev, path.join(fresh('b'), 'b.zip')))
    assert.equal(r.Install?.error_code, 0, r.Install?.message)
    const html = fs.statSync(path.join(dest, 'www', 'index.html'))
    assert.equal(html.mode & 0o777, 0o600)
    assert.notEqual(html.uid, 0)
    assert.notEqual(fs.statSync(path.join(dest, 'www', 'site.css')).mode & 0o777, 0o600, 'the pattern limits the match')
    assert.equal(fs.statSync(path.join(dest, 'etc', 'app.conf')).mode & 0o777, 0o640)
  })
})

describe('agent lifecycle: hooks', () => {
  it('runs hooks in lifecycle order with the deployment environment; ApplicationStop uses the last successful revision', async () => {
    const root = fresh('root')
    const dest = fresh('dest')
    const marker = path.join(fresh('m'), 'markers')
    const scripts = (label: string) => Object.fromEntries(HOOK_EVENTS.map((e) => [`scripts/${e}.sh`, markerScript(marker, label)]))
    const v1 = writeRevision(fresh('rev'), { appspec: hooksAppspec(dest, HOOK_EVENTS), files: { 'www/index.html': 'v1\n', 'config/app.conf': 'c\n' }, scripts: scripts('v1') })
    const s1 = spec('d-HOK000001')
    const r1 = await deploy(root, s1, zipDir(v1, path.join(fresh('b'), 'b.zip')))
    for (const [event, d] of Object.entries(r1)) assert.equal(d.error_code, 0, `${event}: ${d.message}`)
    const lines1 = fs.readFileSync(marker, 'utf8').trim().split('\n')
    assert.deepEqual(lines1.map((l) => l.split(' ').slice(0, 2).join(' ')), ['v1 BeforeInstall', 'v1 AfterInstall', 'v1 ApplicationStart', 'v1 ValidateService'], 'no ApplicationStop on a first deployment')
    assert.equal(lines1[0], 'v1 BeforeInstall d-HOK000001 Web Fleet dg-0001 bundles web/d-HOK000001.zip v-1 abc123')

    fs.rmSync(marker)
    const v2 = writeRevision(fresh('rev'), { appspec: hooksAppspec(dest, HOOK_EVENTS), files: { 'www/index.html': 'v2\n', 'config/app.conf': 'c\n' }, scripts: scripts('v2') })
    const r2 = await deploy(root, spec('d-HOK000002'), zipDir(v2, path.join(fresh('b'), 'b.zip')))
    for (const [event, d] of Object.entries(r2)) assert.equal(d.error_code, 0, `${event}: ${d.message}`)
    const lines2 = fs.readFileSync(marker, 'utf8').trim().split('\n').map((l) => l.split(' ').slice(0, 3).join(' '))
    assert.deepEqual(lines2, ['v1 ApplicationStop d-HOK000002', 'v2 BeforeInstall d-HOK000002', 'v2 AfterInstall d-HOK000002', 'v2 ApplicationStart d-HOK000002', 'v2 ValidateService d-HOK000002'])

    const log = fs.readFileSync(deploymentPaths(root, 'dg-0001', 'd-HOK000002').scriptLog, 'utf8')
    assert.match(log, /LifecycleEvent - BeforeInstall\n/)
    assert.match(log, /\[stdout\]out from v2\n/)
    assert.match(log, /\[stderr\]err from v2\n/)
    assert.match(r2.ValidateService?.log ?? '', /\[stdout\]out from v2/)
  })

  it('kills a hook that exceeds its timeout (process group) and reports ScriptTimedOut quickly', async () => {
    const root = fresh('root')
    const dest = fresh('dest')
    const pidFile = path.join(fresh('p'), 'child.pid')
    const rev = writeRevision(fresh('rev'), {
      appspec: `version: 0.0\nos: linux\nhooks:\n  ApplicationStart:\n    - location: scripts/slow.sh\n      timeout: 1\n`,
      scripts: { 'scripts/slow.sh': `#!/bin/sh\necho starting\nsleep 30 &\necho $! > ${pidFile}\nwait\n` },
    })
    void dest
    const s = spec('d-TMO000001')
    await stage(root, s, zipDir(rev, path.join(fresh('b'), 'b.zip')))
    const t0 = Date.now()
    const d = await run('ApplicationStart', root, s)
    const took = Date.now() - t0
    assert.equal(d.error_code, ErrorCode.ScriptTimedOut)
    assert.equal(d.script_name, 'scripts/slow.sh')
    assert.equal(d.message, 'Script at specified location: scripts/slow.sh failed to complete in 1 seconds')
    assert.match(d.log, /\[stdout\]starting/)
    assert.ok(took < 4000, `took ${took} ms`)
    const pid = Number(fs.readFileSync(pidFile, 'utf8'))
    await new Promise((r) => setTimeout(r, 200))
    // Dead, or a zombie waiting for an init that does not reap (containers).
    const state = fs.existsSync(`/proc/${pid}/stat`) ? fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] : 'gone'
    assert.ok(state === 'gone' || state === 'Z', `the background sleep in the same process group was killed too (state ${state})`)
  })

  it('reports a missing script (1), a failing script with its exit code (4), and marks events without scripts as no-ops', async () => {
    const root = fresh('root')
    const rev = writeRevision(fresh('rev'), {
      appspec: `version: 0.0\nos: linux\nhooks:\n  BeforeInstall:\n    - location: scripts/nope.sh\n  AfterInstall:\n    - location: scripts/ok.sh\n    - location: scripts/fail.sh\n      timeout: 10\n`,
      scripts: { 'scripts/ok.sh': '#!/bin/sh\necho fine\n', 'scripts/fail.sh': '#!/bin/sh\necho "bad things" >&2\nexit 3\n' },
    })
    const s = spec('d-ERR000001')
    await stage(root, s, zipDir(rev, path.join(fresh('b'), 'b.zip')))
    const missing = await run('BeforeInstall', root, s)
    assert.equal(missing.error_code, ErrorCode.ScriptMissing)
    assert.equal(missing.message, 'Script does not exist at specified location: scripts/nope.sh')
    const failed = await run('AfterInstall', root, s)
    assert.equal(failed.error_code, ErrorCode.ScriptFailed)
    assert.equal(failed.script_name, 'scripts/fail.sh')
    assert.equal(failed.message, 'Script at specified location: scripts/fail.sh failed with exit code 3')
    assert.match(failed.log, /\[stdout\]fine\n[\s\S]*\[stderr\]bad things\n/)
    assert.equal(isNoop('ApplicationStart', root, s), true)
    assert.equal(isNoop('AfterInstall', root, s), false)
    assert.equal(isNoop('Install', root, s), false)
    assert.equal((await run('ApplicationStart', root, s)).error_code, 0)
  })

  it('runs a script as another user with runas (su, no shell parsing of the path)', async (t) => {
    if (process.getuid?.() !== 0) return t.skip('runas needs root')
    const root = fresh('root')
    const out = fresh('out')
    fs.chmodSync(out, 0o777)
    const rev = writeRevision(fresh('rev'), {
      appspec: `version: 0.0\nos: linux\nhooks:\n  ApplicationStart:\n    - location: "scripts/who am;i.sh"\n      runas: nobody\n`,
      scripts: { 'scripts/who am;i.sh': `#!/bin/sh\nid -un > ${out}/who\necho "$LIFECYCLE_EVENT" >> ${out}/who\n` },
    })
    const s = spec('d-RUN000001')
    await stage(root, s, zipDir(rev, path.join(fresh('b'), 'b.zip')))
    fs.chmodSync(path.dirname(root), 0o755)
    const d = await run('ApplicationStart', root, s)
    assert.equal(d.error_code, 0, d.message)
    assert.equal(fs.readFileSync(path.join(out, 'who'), 'utf8'), 'nobody\nApplicationStart\n')
  })

  it('refuses a script location outside the archive (in the appspec, and at run time through a symlink)', async () => {
    const root = fresh('root')
    const rev = writeRevision(fresh('rev'), { appspec: `version: 0.0\nos: linux\nhooks:\n  ApplicationStart:\n    - location: ../../../../bin/true\n` })
    const s = spec('d-ESC000001')
    await stage(root, s, zipDir(rev, path.join(fresh('b'), 'b.zip')))
    const d = await run('ApplicationStart', root, s)
    assert.notEqual(d.error_code, 0)
    assert.match(d.message, /must stay inside the revision bundle/)

    const archive = fresh('archive')
    fs.mkdirSync(path.join(archive, 'scripts'))
    fs.symlinkSync('/bin/true', path.join(archive, 'scripts', 'linked.sh'))
    fs.writeFileSync(path.join(archive, 'scripts', 'ok.sh'), '#!/bin/sh\n')
    assert.equal(scriptPath(archive, 'scripts/linked.sh'), undefined)
    assert.equal(scriptPath(archive, '../outside.sh'), undefined)
    assert.equal(scriptPath(archive, '/scripts/ok.sh'), path.join(archive, 'scripts', 'ok.sh'), 'a leading / is the bundle root')
    assert.deepEqual(scriptArgv({ location: 'x', timeout: 1, runas: 'web', sudo: false }, '/a b;c'), ['su', '-s', '/bin/sh', '-c', 'exec "$0"', 'web', '/a b;c'])
    assert.deepEqual(scriptArgv({ location: 'x', timeout: 1, sudo: true }, '/a'), ['sudo', '/a'])
  })

  it('fails the first event that needs a malformed appspec with the parser message', async () => {
    const root = fresh('root')
    const rev = writeRevision(fresh('rev'), { appspec: 'version: 0.0\nos: linux\nhooks:\n  BeforeInstall:\n    - location: [oops\n' })
    const s = spec('d-BAD000001')
    await stage(root, s, zipDir(rev, path.join(fresh('b'), 'b.zip')))
    const d = await run('BeforeInstall', root, s)
    assert.equal(d.error_code, ErrorCode.UnknownError)
    assert.match(d.message, /appspec\.yml/)
    assert.match(d.message, /line \d+/)
    const i = await run('Install', root, s)
    assert.match(i.message, /appspec\.yml/)
    assert.equal(isNoop('BeforeInstall', root, s), false, 'an unreadable appspec is not a no-op: the event reports it')

    const win = writeRevision(fresh('rev'), { appspec: 'version: 0.0\nos: windows\n' })
    const w = spec('d-WIN000001')
    await stage(root, w, zipDir(win, path.join(fresh('b'), 'b.zip')))
    assert.match((await run('Install', root, w)).message, /targets os: windows, but this host runs linux/)
  })

  it('fails with a clear message when the revision has no appspec', async () => {
    const root = fresh('root')
    const dir = fresh('rev')
    fs.writeFileSync(path.join(dir, 'readme.txt'), 'hi\n')
    const s = spec('d-NOA000001')
    await stage(root, s, zipDir(dir, path.join(fresh('b'), 'b.zip')))
    const d = await run('Install', root, s)
    assert.match(d.message, /appspec\.yml/)
  })
})

describe('agent lifecycle: refused bundles', () => {
  function expectNothingOutside(root: string, outside: string) {
    assert.equal(fs.existsSync(outside), false, `${outside} must not be written`)
    void root
  }

  it("refuses a zip with a '../' entry and writes nothing outside the root", async () => {
    const root = fresh('root')
    const bundle = path.join(fresh('b'), 'evil.zip')
    python(
      `import sys, zipfile
with zipfile.ZipFile(sys.argv[1], 'w') as z:
    z.writestr('appspec.yml', 'version: 0.0\\nos: linux\\n')
    z.writestr('../../evil-zip.txt', 'pwned')`,
      bundle,
    )
    const s = spec('d-EVZ000001')
    const paths = deploymentPaths(root, s.deploymentGroupId, s.deploymentId)
    fs.mkdirSync(paths.dir, { recursive: true })
    fs.copyFileSync(bundle, paths.bundle)
    await assert.rejects(unpackBundle(paths.bundle, paths.archive, 'zip'), (err: unknown) => {
      assert.ok(err instanceof UnsafeBundleEntry)
      assert.match((err as Error).message, /\.\.\/\.\.\/evil-zip\.txt/)
      return true
    })
    expectNothingOutside(root, path.join(paths.dir, '..', 'evil-zip.txt'))
    expectNothingOutside(root, path.join(paths.archive, '..', '..', 'evil-zip.txt'))
  })

  it("refuses a tgz with a '../' entry, an absolute entry, a symlink pointing outside, or a write through a symlink", async () => {
    const root = fresh('root')
    const outsideDir = fresh('outside')
    const cases: [string, string, RegExp][] = [
      ['dotdot', `add_file(t, '../../../evil-tgz.txt', b'pwned')`, /'\.\.\/\.\.\/\.\.\/evil-tgz\.txt' contains '\.\.'/],
      ['absolute', `add_file(t, '${outsideDir}/abs.txt', b'pwned')`, /is an absolute path/],
      ['symlink', `add_link(t, 'link', '${outsideDir}')`, /'link' is a link pointing outside the bundle/],
      ['climb', `add_link(t, 'a/link', '../../..')`, /'a\/link' is a link pointing outside the bundle/],
      ['through', `add_link(t, 'inner', 'a')\nadd_file(t, 'inner/x.txt', b'x')`, /'inner\/x\.txt' lies below the symbolic link 'inner'/],
      ['hardlink', `add_hard(t, 'h', '${outsideDir}/passwd')`, /'h' is a hard link/],
    ]
    for (const [name, body, message] of cases) {
      const bundle = path.join(fresh('b'), `${name}.tgz`)
      python(
        `import io, sys, tarfile
def add_file(t, name, data):
    i = tarfile.TarInfo(name); i.size = len(data); t.addfile(i, io.BytesIO(data))
def add_link(t, name, target):
    i = tarfile.TarInfo(name); i.type = tarfile.SYMTYPE; i.linkname = target; t.addfile(i)
def add_hard(t, name, target):
    i = tarfile.TarInfo(name); i.type = tarfile.LNKTYPE; i.linkname = target; t.addfile(i)
with tarfile.open(sys.argv[1], 'w:gz') as t:
    add_file(t, 'appspec.yml', b'version: 0.0\\nos: linux\\n')
${body.split('\n').map((l) => `    ${l}`).join('\n')}`,
        bundle,
      )
      const s = spec(`d-EVT${String(counter).padStart(6, '0')}`, { revision: { bucket: 'b', key: 'k', bundleType: 'tgz' } })
      const paths = deploymentPaths(root, s.deploymentGroupId, s.deploymentId)
      fs.mkdirSync(paths.dir, { recursive: true })
      fs.copyFileSync(bundle, paths.bundle)
      await assert.rejects(unpackBundle(paths.bundle, paths.archive, 'tgz'), (err: unknown) => {
        assert.ok(err instanceof UnsafeBundleEntry, `${name}: ${String(err)}`)
        assert.match((err as Error).message, message, name)
        return true
      })
      assert.deepEqual(fs.readdirSync(paths.archive), [], `${name}: nothing extracted`)
    }
    assert.deepEqual(fs.readdirSync(outsideDir), [])
    assert.equal(fs.existsSync(path.join(root, '..', 'evil-tgz.txt')), false)
  })

  it('refuses a link that stays inside the bundle only until its single top-level directory is stripped', async () => {
    const root = fresh('root')
    const bundle = path.join(fresh('b'), 'stripped.tgz')
    python(
      `import io, sys, tarfile
with tarfile.open(sys.argv[1], 'w:gz') as t:
    data = b'version: 0.0\\nos: linux\\n'
    i = tarfile.TarInfo('top/appspec.yml'); i.size = len(data); t.addfile(i, io.BytesIO(data))
    i = tarfile.TarInfo('top/up'); i.type = tarfile.SYMTYPE; i.linkname = '..'; t.addfile(i)`,
      bundle,
    )
    const s = spec(`d-STR${String(counter).padStart(6, '0')}`, { revision: { bucket: 'b', key: 'k', bundleType: 'tgz' } })
    const paths = deploymentPaths(root, s.deploymentGroupId, s.deploymentId)
    fs.mkdirSync(paths.dir, { recursive: true })
    fs.copyFileSync(bundle, paths.bundle)
    await assert.rejects(unpackBundle(paths.bundle, paths.archive, 'tgz'), (err: unknown) => {
      assert.ok(err instanceof UnsafeBundleEntry, String(err))
      assert.match((err as Error).message, /'up' is a link pointing outside the bundle/)
      return true
    })
    assert.deepEqual(fs.existsSync(paths.archive) ? fs.readdirSync(paths.archive) : [], [], 'nothing is left to install')
  })

  it('refuses a zip or tgz that unpacks to more bytes or entries than the limits, before writing anything', async () => {
    const limits = { maxBytes: 1024 * 1024, maxEntries: 10 }
    const cases: [string, string, RegExp][] = [
      ['bomb.zip', `import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:\n    z.writestr('appspec.yml', 'version: 0.0\\nos: linux\\n')\n    z.writestr('zeros.bin', bytes(5 * 1024 * 1024))`, /unpacks to \d+ bytes, more than the limit of 1048576/],
      ['many.zip', `import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], 'w') as z:\n    [z.writestr(f'f{i}.txt', 'x') for i in range(11)]`, /holds 11 entries, more than the limit of 10/],
      ['bomb.tgz', `import io, sys, tarfile\nwith tarfile.open(sys.argv[1], 'w:gz') as t:\n    i = tarfile.TarInfo('zeros.bin'); i.size = 5 * 1024 * 1024; t.addfile(i, io.BytesIO(bytes(i.size)))`, /unpacks to \d+ bytes/],
    ]
    for (const [name, script, message] of cases) {
      const bundle = path.join(fresh('b'), name)
      python(script, bundle)
      const archive = path.join(fresh('a'), 'deployment-archive')
      await assert.rejects(unpackBundle(bundle, archive, name.endsWith('.zip') ? 'zip' : 'tgz', limits), (err: unknown) => {
        assert.ok(err instanceof ArchiveTooLarge, `${name}: ${String(err)}`)
        assert.match((err as Error).message, message, name)
        return true
      })
      assert.deepEqual(fs.existsSync(archive) ? fs.readdirSync(archive) : [], [], `${name}: nothing unpacked`)
    }
  })

  it('accepts links that stay inside the bundle', async () => {
    const root = fresh('root')
    const bundle = path.join(fresh('b'), 'ok.tar')
    python(
      `import io, sys, tarfile
with tarfile.open(sys.argv[1], 'w') as t:
    for name, data in [('appspec.yml', b'version: 0.0\\nos: linux\\n'), ('lib/v1/a.so', b'so')]:
        i = tarfile.TarInfo(name); i.size = len(data); t.addfile(i, io.BytesIO(data))
    i = tarfile.TarInfo('lib/current'); i.type = tarfile.SYMTYPE; i.linkname = 'v1'; t.addfile(i)
    i = tarfile.TarInfo('bin/a.so'); i.type = tarfile.SYMTYPE; i.linkname = '../lib/v1/a.so'; t.addfile(i)
    i = tarfile.TarInfo('copy.so'); i.type = tarfile.LNKTYPE; i.linkname = 'lib/v1/a.so'; t.addfile(i)`,
      bundle,
    )
    const dest = path.join(fresh('archive'), 'deployment-archive')
    const r = await unpackBundle(bundle, dest, 'tar')
    assert.equal(r.format, 'tar')
    assert.equal(fs.readlinkSync(path.join(dest, 'lib', 'current')), 'v1')
    assert.equal(fs.readFileSync(path.join(dest, 'bin', 'a.so'), 'utf8'), 'so')
    assert.equal(fs.readFileSync(path.join(dest, 'copy.so'), 'utf8'), 'so')
  })

  it('turns a refused bundle into a failed event naming the entry', async () => {
    const e = new UnsafeBundleEntry('../x', "contains '..'")
    const d = diagnosticsFor(new EventFailure(ErrorCode.UnknownError, e.message), '')
    assert.equal(d.error_code, 5)
    assert.equal(d.message, "The bundle was refused: entry '../x' contains '..'")
  })
})
