import { DockerExecutor } from './docker-executor.ts'
import { HostExecutor } from './host-executor.ts'
import type { Executor } from './executor.ts'

/**
 * Picks the executor: `docker` must answer; `auto` uses docker when it answers, else the host.
 * `owner` labels the containers, so runners sharing a Docker engine leave each other's alone; `pool`
 * keeps `warm` started containers per image in `poolDir`.
 */
export async function chooseExecutor(choice: 'docker' | 'host' | 'auto', owner?: string, pool?: { warm: number; poolDir: string }): Promise<Executor> {
  if (choice === 'host') return new HostExecutor()
  const docker = new DockerExecutor({ ...(owner ? { owner } : {}), ...(pool ?? {}) })
  if (await docker.available()) return docker
  if (choice === 'docker') throw new Error('--executor docker: no Docker engine answers on /var/run/docker.sock')
  return new HostExecutor()
}
