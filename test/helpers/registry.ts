/**
 * Registry test helpers: Debian's `docker-registry` (distribution, written by others) as a second
 * registry, `skopeo` as a second client, OCI image layouts written here (no registry is reachable to
 * pull real images from), and a private Docker client configuration per test.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { gunzipSync, gzipSync } from 'node:zlib'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { run } from './run.ts'
import { tempDir } from './server.ts'

const DOCKER_REGISTRY = ['/usr/bin/docker-registry', '/usr/sbin/docker-registry'].find((p) => fs.existsSync(p))
const SKOPEO = ['/usr/bin/skopeo'].find((p) => fs.existsSync(p))

/** Why skopeo/docker-registry tests cannot run here (CI installs both and must not skip). */
export function registryToolsMissing(): string | undefined {
  const missing = [!SKOPEO && 'skopeo', !DOCKER_REGISTRY && 'docker-registry'].filter(Boolean)
  if (missing.length === 0) return undefined
  const reason = `${missing.join(' and ')} not installed (apt-get install skopeo docker-registry); .ci/run installs them`
  if (process.env.SLIPWAY_TEST_REQUIRE_DOCKER === '1') throw new Error(`required in CI: ${reason}`)
  return reason
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port
      s.close(() => resolve(port))
    })
  })
}

export type DockerRegistry = { host: string; dir: string; stop(): Promise<void>; start(): Promise<void> }

/** Debian's docker-registry on a loopback port, storing in a temp dir; stop/start keep its data. */
export async function startDockerRegistry(): Promise<DockerRegistry> {
  const dir = tempDir('docker-registry')
  const port = await freePort()
  const config = path.join(dir, 'config.yml')
  fs.writeFileSync(config, `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/data\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\n`)
  let child: ChildProcess | undefined
  const host = `127.0.0.1:${port}`
  const registry: DockerRegistry = {
    host,
    dir,
    async start() {
      child = spawn(DOCKER_REGISTRY!, ['serve', config], { stdio: 'ignore' })
      const deadline = Date.now() + 20_000
      while (Date.now() < deadline) {
        const ok = await fetch(`http://${host}/v2/`).then((r) => r.ok, () => false)
        if (ok) return
        await sleep(100)
      }
      throw new Error('docker-registry did not answer in 20 s')
    },
    async stop() {
      const c = child
      if (!c || c.exitCode !== null) return
      await new Promise<void>((resolve) => {
        c.once('exit', () => resolve())
        c.kill('SIGTERM')
      })
    },
  }
  await registry.start()
  return registry
}

export function skopeo(args: string[], env: Record<string, string> = {}) {
  return run(SKOPEO!, ['--insecure-policy', ...args], { env, timeoutMs: 180_000 })
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex')

export type OciImageSpec = { tag: string; files: Record<string, string>; architecture?: string }
export type WrittenImage = { tag: string; digest: string; manifest: Buffer }

/** A gzipped tar archive holding `files` (made with tar, so it is a real layer registries keep as it is). */
async function layerTar(files: Record<string, string>): Promise<Buffer> {
  const root = tempDir('layer')
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true })
    fs.writeFileSync(path.join(root, name), content)
  }
  const out = path.join(tempDir('layer-tar'), 'layer.tar')
  const res = await run('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '-C', root, '-cf', out, '.'])
  if (res.code !== 0) throw new Error(res.stderr)
  return gzipSync(fs.readFileSync(out))
}

/**
 * An OCI image layout in `dir` holding each image (one layer) under its tag, and, with `indexTag`,
 * an image index of all of them (a multi-arch image) under that tag.
 */
export async function writeOciLayout(dir: string, images: OciImageSpec[], indexTag?: string): Promise<{ images: WrittenImage[]; index?: WrittenImage }> {
  const blobs = path.join(dir, 'blobs', 'sha256')
  fs.mkdirSync(blobs, { recursive: true })
  const put = (b: Buffer) => {
    const hex = sha256(b)
    fs.writeFileSync(path.join(blobs, hex), b)
    return { digest: `sha256:${hex}`, size: b.length }
  }
  const written: WrittenImage[] = []
  const descriptors: Record<string, unknown>[] = []
  const top: Record<string, unknown>[] = []
  for (const image of images) {
    const layer = put(await layerTar(image.files))
    const architecture = image.architecture ?? 'amd64'
    const diffId = `sha256:${sha256(gunzipSync(fs.readFileSync(path.join(blobs, layer.digest.slice(7)))))}`
    const config = put(Buffer.from(JSON.stringify({ architecture, os: 'linux', config: { Cmd: ['/bin/sh'] }, rootfs: { type: 'layers', diff_ids: [diffId] } })))
    const manifestBytes = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }],
    }))
    const m = put(manifestBytes)
    written.push({ tag: image.tag, digest: m.digest, manifest: manifestBytes })
    descriptors.push({ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...m, platform: { architecture, os: 'linux' } })
    top.push({ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...m, annotations: { 'org.opencontainers.image.ref.name': image.tag } })
  }
  let index: WrittenImage | undefined
  if (indexTag) {
    const indexBytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: descriptors }))
    const d = put(indexBytes)
    index = { tag: indexTag, digest: d.digest, manifest: indexBytes }
    top.push({ mediaType: 'application/vnd.oci.image.index.v1+json', ...d, annotations: { 'org.opencontainers.image.ref.name': indexTag } })
  }
  fs.writeFileSync(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }))
  fs.writeFileSync(path.join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: top }))
  return { images: written, ...(index ? { index } : {}) }
}

/** A Docker client configuration of the test's own (`docker login` writes there, not to ~/.docker). */
export function dockerClientEnv(): Record<string, string> {
  return { DOCKER_CONFIG: tempDir('docker-config') }
}

export const docker = (args: string[], env: Record<string, string>, input?: string) => run('docker', args, { env, timeoutMs: 300_000, ...(input !== undefined ? { input } : {}) })

/** The image id (`sha256:…` of its config) a local tag names. */
export async function localImageId(ref: string): Promise<string> {
  const res = await run('docker', ['image', 'inspect', '--format', '{{.Id}}', ref])
  if (res.code !== 0) throw new Error(res.stderr)
  return res.stdout.trim()
}
