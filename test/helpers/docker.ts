import fs from 'node:fs'
import path from 'node:path'
import Docker from 'dockerode'
import { run } from './run.ts'
import { tempDir } from './server.ts'

export const TEST_IMAGE = 'slipway-test/busybox:latest'
const BUSYBOX = ['/usr/bin/busybox', '/bin/busybox'].find((p) => fs.existsSync(p))
const APPLETS = ['sh', 'ash', 'ls', 'cat', 'echo', 'mkdir', 'rm', 'cp', 'mv', 'env', 'sleep', 'true', 'false', 'printf', 'test', '[', 'grep', 'sed', 'wc', 'date', 'id', 'tee', 'head', 'tail', 'find', 'xargs', 'chmod', 'touch', 'pwd', 'dd', 'sha256sum', 'base64', 'tr', 'cut', 'sort', 'uname', 'hostname', 'ps', 'kill', 'seq', 'yes', 'stat', 'ln', 'basename', 'dirname', 'expr', 'md5sum']

/** Why Docker tests cannot run here, or undefined when a Docker engine answers. */
export async function dockerUnavailableReason(): Promise<string | undefined> {
  try {
    await new Docker({ socketPath: '/var/run/docker.sock' }).ping()
    return undefined
  } catch (err) {
    const reason = `no Docker engine answers on /var/run/docker.sock (${(err as Error).message}); .ci/run starts dockerd`
    // CI runs every Docker test: there a missing engine is a failure, not a skip.
    if (process.env.SLIPWAY_TEST_REQUIRE_DOCKER === '1') throw new Error(`Docker is required here (SLIPWAY_TEST_REQUIRE_DOCKER=1): ${reason}`)
    return reason
  }
}

/**
 * An image made locally (no registry is reachable): a busybox-static rootfs, plus what `extra` adds to
 * it, imported with `docker import` under `tag` with Dockerfile `changes`. Idempotent.
 */
async function ensureBusyboxImage(tag: string, changes: string[], extra: (root: string) => Promise<void> = async () => undefined): Promise<string> {
  const docker = new Docker({ socketPath: '/var/run/docker.sock' })
  try {
    await docker.getImage(tag).inspect()
    return tag
  } catch {
    // build it below
  }
  if (!BUSYBOX) throw new Error('busybox-static is not installed (apt-get install busybox-static)')
  const root = tempDir('rootfs')
  for (const d of ['bin', 'tmp', 'root', 'etc']) fs.mkdirSync(path.join(root, d), { recursive: true })
  fs.copyFileSync(BUSYBOX, path.join(root, 'bin', 'busybox'))
  fs.chmodSync(path.join(root, 'bin', 'busybox'), 0o755)
  for (const a of APPLETS) fs.symlinkSync('busybox', path.join(root, 'bin', a))
  fs.writeFileSync(path.join(root, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n')
  await extra(root)
  const tar = path.join(tempDir('rootfs-tar'), 'rootfs.tar')
  const packed = await run('tar', ['-C', root, '-cf', tar, '.'])
  if (packed.code !== 0) throw new Error(`tar failed: ${packed.stderr}`)
  const imported = await run('docker', ['import', ...changes.flatMap((c) => ['--change', c]), tar, tag])
  if (imported.code !== 0) throw new Error(`docker import failed: ${imported.stderr}`)
  return tag
}

/** The tests' build image: busybox alone. */
export const ensureTestImage = (): Promise<string> => ensureBusyboxImage(TEST_IMAGE, ['ENV PATH=/bin'])

export const DOCKER_CLI_IMAGE = 'slipway-test/docker-cli:latest'

/** A build image with a Docker client: busybox plus the host's `docker` binary and the shared libraries it loads (ldd). */
export const ensureDockerCliImage = (): Promise<string> =>
  ensureBusyboxImage(DOCKER_CLI_IMAGE, ['ENV PATH=/usr/bin:/bin', 'ENV HOME=/root'], async (root) => {
    const cli = (await run('sh', ['-c', 'command -v docker'])).stdout.trim()
    if (!cli) throw new Error('no docker client on this machine')
    fs.mkdirSync(path.join(root, 'usr', 'bin'), { recursive: true })
    fs.copyFileSync(cli, path.join(root, 'usr', 'bin', 'docker'))
    fs.chmodSync(path.join(root, 'usr', 'bin', 'docker'), 0o755)
    const libs = (await run('ldd', [cli])).stdout.match(/\/\S+\.so[.\d]*/g) ?? []
    for (const lib of libs) {
      fs.mkdirSync(path.join(root, path.dirname(lib)), { recursive: true })
      fs.copyFileSync(fs.realpathSync(lib), path.join(root, lib))
    }
  })
