import { randomUUID } from 'node:crypto'
import type { CreateFleetInput, Fleet, UpdateFleetInput } from '../../protocol/models/codebuild.types.ts'
import type { FleetRecord } from '../records.ts'
import { CodeBuildErrors as E } from '../errors.ts'
import { fleetNameOf } from '../model/runner-match.ts'
import type { BuildContext } from './context.ts'

const NAME = /^[A-Za-z0-9][A-Za-z0-9\-_]{1,127}$/

/**
 * CodeBuild's reserved-capacity fleets. In Slipway a fleet is a name its runners register with
 * (`slipway runner --labels fleet=<name>`): a project whose `environment.fleet.fleetArn` names it runs
 * its builds only there, and those runners run only its builds. Capacity is what those runners offer.
 */
export async function createFleet(ctx: BuildContext, input: CreateFleetInput): Promise<FleetRecord> {
  if (!NAME.test(input.name)) throw E.invalidInput(`Invalid fleet name: ${input.name}. Names are 2-128 characters: letters, digits, - and _, starting with a letter or digit`)
  const now = ctx.clock.now()
  const id = `${input.name}:${randomUUID()}`
  const fleet: FleetRecord = {
    name: input.name,
    id,
    arn: `arn:aws:codebuild:${ctx.region}:${ctx.accountId}:fleet/${id}`,
    created: now,
    lastModified: now,
    baseCapacity: input.baseCapacity,
    environmentType: input.environmentType,
    computeType: input.computeType,
    overflowBehavior: input.overflowBehavior ?? 'QUEUE',
    tags: input.tags ?? [],
  }
  if (!(await ctx.store.fleets.insert(fleet))) throw E.fleetExists(input.name)
  return fleet
}

/** A fleet by ARN or name (the API takes either where it says `arn`). */
export async function requireFleet(ctx: BuildContext, arnOrName: string): Promise<FleetRecord> {
  const fleet = await ctx.store.fleets.get(fleetNameOf(arnOrName))
  if (!fleet) throw E.fleetNotFound(arnOrName)
  return fleet
}

export async function updateFleet(ctx: BuildContext, input: UpdateFleetInput): Promise<FleetRecord> {
  const current = await requireFleet(ctx, input.arn)
  const fleet: FleetRecord = {
    ...current,
    baseCapacity: input.baseCapacity ?? current.baseCapacity,
    environmentType: input.environmentType ?? current.environmentType,
    computeType: input.computeType ?? current.computeType,
    overflowBehavior: input.overflowBehavior ?? current.overflowBehavior,
    tags: input.tags ?? current.tags,
    lastModified: ctx.clock.now(),
  }
  await ctx.store.fleets.update(fleet)
  return fleet
}

/** Deletes a fleet no project uses (CodeBuild refuses to delete a fleet in use). */
export async function deleteFleet(ctx: BuildContext, arnOrName: string): Promise<void> {
  const fleet = await requireFleet(ctx, arnOrName)
  const user = (await ctx.store.projects.list()).find((p) => p.environment.fleet?.fleetArn && fleetNameOf(p.environment.fleet.fleetArn) === fleet.name)
  if (user) throw E.invalidInput(`Fleet ${fleet.arn} is used by project ${user.name}; change the project's environment first`)
  await ctx.store.fleets.delete(fleet.name)
}

/** A project or build may name a fleet only when it exists. */
export async function checkFleetOf(ctx: BuildContext, env: { fleet?: { fleetArn?: string } }): Promise<void> {
  if (env.fleet?.fleetArn) await requireFleet(ctx, env.fleet.fleetArn)
}

export function fleetView(f: FleetRecord): Fleet {
  return {
    arn: f.arn,
    name: f.name,
    id: f.id,
    created: f.created,
    lastModified: f.lastModified,
    status: { statusCode: 'ACTIVE' },
    baseCapacity: f.baseCapacity,
    environmentType: f.environmentType as Fleet['environmentType'],
    computeType: f.computeType as Fleet['computeType'],
    overflowBehavior: f.overflowBehavior as Fleet['overflowBehavior'],
    tags: f.tags,
  }
}
