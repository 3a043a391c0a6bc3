/**
 * registry.push / registry.pull: `docker push` and `docker pull` of a 200 MB image of 5 layers (40 MB
 * of random bytes each, so compression cannot shrink it) to Slipway's registry, beside the same with
 * Debian's docker-registry (distribution) on the same machine, in the same run. Each run uses a fresh
 * instance of both (a registry the engine has pushed to before would get cross-repository mounts),
 * and the engine holds none of the image's layers before a timed pull. The order alternates per run.
 */
import fs from 'node:fs'
import path from 'node:path'
import { run } from '../test/helpers/run.ts'
import { startTestServer, tempDir } from '../test/helpers/server.ts'
import { aws } from '../test/helpers/aws-cli.ts'
import { ensureTestImage } from '../test/helpers/docker.ts'
import { docker, dockerClientEnv, registryToolsMissing, startDockerRegistry } from '../test/helpers/registry.ts'

const RUNS = Number(process.env.BENCH_REGISTRY_RUNS ?? 3)
const SOURCE = 'slipway-bench/two-hundred:latest'
const LAYERS = 5
const LAYER_BYTES = 40 * 1024 * 1024

type Stats = { runs: number; medianMs: number; p90Ms: number; minMs: number }

async function ensureBenchImage(): Promise<void> {
  if ((await run('docker', ['image', 'inspect', SOURCE])).code === 0) return
  const base = await ensureTestImage()
  const dir = tempDir('bench-image')
  const lines = [`FROM ${base}`]
  for (let i = 0; i < LAYERS; i++) {
    const fd = fs.openSync(path.join(dir, `layer-${i}.bin`), 'w')
    for (let written = 0; written < LAYER_BYTES; written += 1024 * 1024) fs.writeSync(fd, (await import('node:crypto')).randomBytes(1024 * 1024))
    fs.closeSync(fd)
    lines.push(`COPY layer-${i}.bin /data/layer-${i}.bin`)
  }
  fs.writeFileSync(path.join(dir, 'Dockerfile'), lines.join('\n') + '\n')
  const built = await run('docker', ['build', '-q', '-t', SOURCE, dir], { timeoutMs: 600_000 })
  if (built.code !== 0) throw new Error(`docker build failed: ${built.stderr}`)
}

async function timed(args: string[], env: Record<string, string>): Promise<number> {
  const t0 = performance.now()
  const res = await docker(args, env)
  if (res.code !== 0) throw new Error(`docker ${args.join(' ')}: ${res.stderr}`)
  return performance.now() - t0
}

/** Removes every tag of the image, so the engine holds none of its layers. */
async function forget(imageId: string): Promise<void> {
  await run('docker', ['rmi', '-f', imageId])
}

export async function benchRegistry(stats: (xs: number[]) => Stats): Promise<Record<string, unknown>> {
  const missing = registryToolsMissing()
  if (missing) return { skipped: missing }
  await ensureBenchImage()
  const imageId = (await run('docker', ['image', 'inspect', '--format', '{{.Id}}', SOURCE])).stdout.trim()
  const times = { slipwayPush: [] as number[], slipwayPull: [] as number[], registryPush: [] as number[], registryPull: [] as number[] }
  for (let i = 0; i < RUNS; i++) {
    const upstream = await startDockerRegistry()
    const server = await startTestServer({ extraArgs: ['--no-runner', '--no-agent'] })
    try {
      const env = dockerClientEnv()
      const slipwayHost = new URL(server.url).host
      await aws(server, ['ecr', 'create-repository', '--repository-name', 'bench'])
      const password = (await aws(server, ['ecr', 'get-login-password'])).stdout.trim()
      await docker(['login', '--username', 'AWS', '--password-stdin', slipwayHost], env, password)
      const targets = [
        { name: 'slipway' as const, ref: `${slipwayHost}/bench:latest` },
        { name: 'registry' as const, ref: `${upstream.host}/bench:latest` },
      ]
      if (i % 2 === 1) targets.reverse()
      for (const t of targets) {
        await run('docker', ['tag', imageId, t.ref])
        times[`${t.name}Push`].push(await timed(['push', t.ref], env))
      }
      for (const t of targets) {
        await forget(imageId)
        times[`${t.name}Pull`].push(await timed(['pull', t.ref], env))
      }
      await run('docker', ['tag', imageId, SOURCE])
    } finally {
      await server.stop()
      await upstream.stop()
      fs.rmSync(upstream.dir, { recursive: true, force: true })
      fs.rmSync(server.dataDir, { recursive: true, force: true })
    }
  }
  const ratio = (a: number[], b: number[]) => Math.round((stats(a).medianMs / stats(b).medianMs) * 100) / 100
  return {
    image: { layers: LAYERS, bytes: LAYERS * LAYER_BYTES },
    'slipway.push': stats(times.slipwayPush),
    'floor.dockerRegistry.push': stats(times.registryPush),
    'slipway.pull': stats(times.slipwayPull),
    'floor.dockerRegistry.pull': stats(times.registryPull),
    pushRatio: ratio(times.slipwayPush, times.registryPush),
    pullRatio: ratio(times.slipwayPull, times.registryPull),
  }
}
