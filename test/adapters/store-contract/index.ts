import { describe } from 'node:test'
import type { Store } from '../../../src/infra/store.ts'
import { accessKeysContract } from './access-keys.ts'
import { repositoriesContract } from './repositories.ts'
import { tagsContract } from './tags.ts'
import { buildProjectsContract } from './build-projects.ts'
import { buildsContract } from './builds.ts'
import { secretsContract } from './secrets.ts'
import { buildReportsContract } from './build-reports.ts'
import { notificationRulesContract } from './notification-rules.ts'
import { notificationDeliveriesContract } from './notification-deliveries.ts'
import { consoleSessionsContract } from './console-sessions.ts'
import { auditContract } from './audit.ts'
import { pipelinesContract } from './pipelines.ts'
import { deployContract } from './deploy.ts'
import { registryContract } from './registry.ts'
import { runnersContract } from './runners.ts'

/**
 * What every `Store` adapter's sub-stores must do, as their callers rely on it — including where SQL
 * databases differ by default: text sorts byte-wise (UTF-8, case-sensitive), epoch milliseconds beyond
 * 2^31 come back as numbers and Dates, JSON comes back exactly (unicode, nesting, key order), optional
 * fields come back undefined (never null), deletes and guarded updates report whether a row changed,
 * and concurrent claims never hand one piece of work to two callers.
 *
 * Not covered here (being redesigned): pipeline executions and custom-action jobs, deployments and
 * host commands. Transactions and the event outbox are covered by `describeStore` (store-suite.ts).
 */
export function describeSubStores(name: string, makeStore: () => Store | Promise<Store>): void {
  describe(`Store contract (sub-stores): ${name}`, () => {
    describe('access keys', () => accessKeysContract(makeStore))
    describe('repositories', () => repositoriesContract(makeStore))
    describe('tags', () => tagsContract(makeStore))
    describe('build projects', () => buildProjectsContract(makeStore))
    describe('builds', () => buildsContract(makeStore))
    describe('secrets', () => secretsContract(makeStore))
    describe('build reports', () => buildReportsContract(makeStore))
    describe('runners', () => runnersContract(makeStore))
    describe('notification rules', () => notificationRulesContract(makeStore))
    describe('notification deliveries', () => notificationDeliveriesContract(makeStore))
    describe('console sessions', () => consoleSessionsContract(makeStore))
    describe('audit', () => auditContract(makeStore))
    describe('pipelines', () => pipelinesContract(makeStore))
    describe('deploy', () => deployContract(makeStore))
    describe('registry', () => registryContract(makeStore))
  })
}
