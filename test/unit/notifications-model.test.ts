import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { EVENT, EVENT_TYPES, eventTypeIdsOf } from '../../src/events/model/event-types.ts'
import { eventResources, globMatches, ruleMatches, validateRuleInput } from '../../src/events/model/matching.ts'
import { renderPayload, slackMessage, summaryLine, webhookBody } from '../../src/events/model/render.ts'
import { afterAttempt, backoffDelayMs, backoffSchedule, MAX_ATTEMPTS } from '../../src/events/model/backoff.ts'
import { pipelineAttributes } from '../../src/events/model/pipeline-attributes.ts'
import type { NotifiableEvent, NotificationRule } from '../../src/events/model/types.ts'
import type { ExecutionState } from '../../src/pipeline/model/execution-types.ts'

const ACCOUNT = '000000000000'
const PIPE = `arn:aws:codepipeline:us-east-1:${ACCOUNT}:seed`
const at = new Date('2026-11-24T10:20:30.456Z')
const ev = (type: string, detail: Record<string, unknown>, resource = PIPE, source = 'aws.codepipeline'): NotifiableEvent => ({ seq: 7, type, source, resource, detail, at })
const base = { pipeline: 'seed', 'execution-id': 'e-1', version: 1 }
const execution = (state: string) => ev(EVENT.pipelineExecution, { ...base, state, 'execution-trigger': { 'trigger-type': 'CloudWatchEvent' } })
const stage = (state: string) => ev(EVENT.stageExecution, { ...base, stage: 'Build', state })
const action = (state: string, category = 'Build') => ev(EVENT.actionExecution, { ...base, stage: 'Build', action: 'Compile', 'action-execution-id': 'a-1', state, type: { owner: 'AWS', category, provider: 'CodeBuild', version: '1' } })
const build = (status: string) => ev(EVENT.build, { 'build-id': 'app:b-1', 'project-name': 'app', 'build-status': status }, `arn:aws:codebuild:us-east-1:${ACCOUNT}:build/app:b-1`, 'aws.codebuild')
const ref = (event: string, oldCommitId: string | null, newCommitId: string | null, name = 'refs/heads/main') =>
  ev(EVENT.reference, { repositoryId: 'r-1', repositoryName: 'app', ref: name, oldCommitId, newCommitId, event, callerUserArn: `arn:aws:iam::${ACCOUNT}:user/dev` }, `arn:aws:codecommit:us-east-1:${ACCOUNT}:app`, 'aws.codecommit')
const deployment = (state: string) => ev(EVENT.deployment, { deploymentId: 'd-1', application: 'web', deploymentGroup: 'prod', state }, `arn:aws:codedeploy:us-east-1:${ACCOUNT}:deploymentgroup:web/prod`, 'aws.codedeploy')

const rule = (over: Partial<NotificationRule> = {}): NotificationRule => ({
  name: 'r', arn: `arn:aws:codestar-notifications:us-east-1:${ACCOUNT}:notificationrule/abc`, resource: '*', eventTypeIds: ['*'], targets: [], detailType: 'BASIC', status: 'ENABLED', ...over,
})
const ctx = { eventId: '11111111-2222-4333-8444-555555555555', region: 'us-east-1', accountId: ACCOUNT, baseUrl: 'http://127.0.0.1:4566' }

describe('notifications: which event type ids an event is', () => {
  const table: [string, NotifiableEvent, string[]][] = [
    ['execution started', execution('STARTED'), ['codepipeline-pipeline-pipeline-execution-started']],
    ['execution failed', execution('FAILED'), ['codepipeline-pipeline-pipeline-execution-failed']],
    ['execution succeeded', execution('SUCCEEDED'), ['codepipeline-pipeline-pipeline-execution-succeeded']],
    ['execution superseded', execution('SUPERSEDED'), ['codepipeline-pipeline-pipeline-execution-superseded']],
    ['execution stopped counts as canceled', execution('STOPPED'), ['codepipeline-pipeline-pipeline-execution-canceled']],
    ['execution stopping is nothing', execution('STOPPING'), []],
    ['stage failed', stage('FAILED'), ['codepipeline-pipeline-stage-execution-failed']],
    ['stage started', stage('STARTED'), ['codepipeline-pipeline-stage-execution-started']],
    ['action failed', action('FAILED'), ['codepipeline-pipeline-action-execution-failed']],
    ['action abandoned is nothing', action('ABANDONED'), []],
    ['approval started is also approval needed', action('STARTED', 'Approval'), ['codepipeline-pipeline-action-execution-started', 'codepipeline-pipeline-manual-approval-needed']],
    ['approval succeeded', action('SUCCEEDED', 'Approval'), ['codepipeline-pipeline-action-execution-succeeded', 'codepipeline-pipeline-manual-approval-succeeded']],
    ['approval rejected', action('FAILED', 'Approval'), ['codepipeline-pipeline-action-execution-failed', 'codepipeline-pipeline-manual-approval-failed']],
    ['build failed', build('FAILED'), ['codebuild-project-build-state-failed']],
    ['build timed out is failed', build('TIMED_OUT'), ['codebuild-project-build-state-failed']],
    ['build fault is failed', build('FAULT'), ['codebuild-project-build-state-failed']],
    ['build in progress', build('IN_PROGRESS'), ['codebuild-project-build-state-in-progress']],
    ['build stopped', build('STOPPED'), ['codebuild-project-build-state-stopped']],
    ['build succeeded', build('SUCCEEDED'), ['codebuild-project-build-state-succeeded']],
    ['branch created', ref('referenceCreated', null, 'c1'), ['codecommit-repository-branches-and-tags-created']],
    ['branch updated', ref('referenceUpdated', 'c1', 'c2'), ['codecommit-repository-branches-and-tags-updated']],
    ['branch deleted', ref('referenceDeleted', 'c1', null), ['codecommit-repository-branches-and-tags-deleted']],
    ['deployment started', deployment('INPROGRESS'), ['codedeploy-application-deployment-started']],
    ['deployment succeeded', deployment('SUCCEEDED'), ['codedeploy-application-deployment-succeeded']],
    ['deployment failed', deployment('FAILED'), ['codedeploy-application-deployment-failed']],
  ]
  for (const [name, event, ids] of table) it(name, () => assert.deepEqual(eventTypeIdsOf(event), ids))

  it('ids are unique and in CodeStar form', () => {
    const ids = EVENT_TYPES.map((t) => t.id)
    assert.equal(new Set(ids).size, ids.length)
    for (const id of ids) assert.match(id, /^(codepipeline-pipeline|codebuild-project|codecommit-repository|codedeploy-application)-[a-z-]+$/)
  })
})

describe('notifications: rule matching', () => {
  const project = `arn:aws:codebuild:us-east-1:${ACCOUNT}:project/app`
  const table: [string, Partial<NotificationRule>, NotifiableEvent, boolean][] = [
    ['* / * matches anything', {}, deployment('CREATED'), true],
    ['the failed id matches a failed execution', { eventTypeIds: ['codepipeline-pipeline-pipeline-execution-failed'] }, execution('FAILED'), true],
    ['… not a succeeded one', { eventTypeIds: ['codepipeline-pipeline-pipeline-execution-failed'] }, execution('SUCCEEDED'), false],
    ['… not a failed stage', { eventTypeIds: ['codepipeline-pipeline-pipeline-execution-failed'] }, stage('FAILED'), false],
    ['one of several ids', { eventTypeIds: ['codepipeline-pipeline-pipeline-execution-failed', 'codepipeline-pipeline-pipeline-execution-succeeded'] }, execution('SUCCEEDED'), true],
    ['the pipeline ARN', { resource: PIPE }, execution('FAILED'), true],
    ['another pipeline ARN', { resource: `arn:aws:codepipeline:us-east-1:${ACCOUNT}:other` }, execution('FAILED'), false],
    ['a pipeline ARN glob', { resource: `arn:aws:codepipeline:us-east-1:${ACCOUNT}:se*` }, execution('FAILED'), true],
    ['a prefix is not a match', { resource: `arn:aws:codepipeline:us-east-1:${ACCOUNT}:see` }, execution('FAILED'), false],
    ['a project ARN matches its builds', { resource: project, eventTypeIds: ['codebuild-project-build-state-failed'] }, build('FAILED'), true],
    ['… not another project', { resource: `arn:aws:codebuild:us-east-1:${ACCOUNT}:project/ap`, eventTypeIds: ['*'] }, build('FAILED'), false],
    ['an application ARN matches its deployment groups', { resource: `arn:aws:codedeploy:us-east-1:${ACCOUNT}:application:web` }, deployment('FAILED'), true],
    ['a repository ARN', { resource: `arn:aws:codecommit:us-east-1:${ACCOUNT}:app`, eventTypeIds: ['codecommit-repository-branches-and-tags-created'] }, ref('referenceCreated', null, 'c1'), true],
    ['approval needed is not a build action starting', { eventTypeIds: ['codepipeline-pipeline-manual-approval-needed'] }, action('STARTED'), false],
    ['approval needed', { eventTypeIds: ['codepipeline-pipeline-manual-approval-needed'] }, action('STARTED', 'Approval'), true],
    ['disabled rules match nothing', { status: 'DISABLED' }, execution('FAILED'), false],
    ['an unknown id matches nothing', { eventTypeIds: ['codepipeline-pipeline-nope'] }, execution('FAILED'), false],
  ]
  for (const [name, over, event, expected] of table) it(name, () => assert.equal(ruleMatches(rule(over), event), expected))

  it('derives the project and application ARNs of builds and deployments', () => {
    assert.deepEqual(eventResources(build('FAILED')), [`arn:aws:codebuild:us-east-1:${ACCOUNT}:build/app:b-1`, project])
    assert.deepEqual(eventResources(deployment('FAILED')), [`arn:aws:codedeploy:us-east-1:${ACCOUNT}:deploymentgroup:web/prod`, `arn:aws:codedeploy:us-east-1:${ACCOUNT}:application:web`])
  })

  it('globs treat only * as special', () => {
    assert.equal(globMatches('a.b*', 'a.bc'), true)
    assert.equal(globMatches('a.b*', 'axbc'), false)
    assert.equal(globMatches('(x)', '(x)'), true)
  })
})

describe('notifications: rule validation', () => {
  const ok = { name: 'ok', resource: '*', eventTypeIds: ['*'], targets: [{ type: 'Webhook' as const, address: 'http://127.0.0.1:9/h' }] }
  it('accepts a rule and defaults to BASIC', () => assert.equal(validateRuleInput(ok).detailType, 'BASIC'))
  const bad: [string, Partial<typeof ok> & { detailType?: string }, RegExp][] = [
    ['bad name', { name: 'a/b' }, /Rule name/],
    ['bad resource', { resource: 'arn:aws:s3:::bucket' }, /not a CodePipeline/],
    ['no events', { eventTypeIds: [] }, /At least one event type/],
    ['unknown event', { eventTypeIds: ['codepipeline-pipeline-nope'] }, /Unknown event type id 'codepipeline-pipeline-nope'/],
    ['event of another resource kind', { resource: PIPE, eventTypeIds: ['codebuild-project-build-state-failed'] }, /about a project, but .* is a pipeline/],
    ['no targets', { targets: [] }, /At least one target/],
    ['not a URL', { targets: [{ type: 'Webhook', address: 'file:///etc/passwd' }] }, /http\(s\) URL/],
    ['bad detail type', { detailType: 'MORE' }, /BASIC or FULL/],
  ]
  for (const [name, over, message] of bad) it(`refuses ${name}`, () => assert.throws(() => validateRuleInput({ ...ok, ...over }), message))
  it('refuses a secret on a Slack target', () => assert.throws(() => validateRuleInput({ ...ok, targets: [{ type: 'Slack', address: 'http://x/y', secret: 's' }] }), /Slack targets take no secret/))
})

const failedExecution: ExecutionState = {
  id: 'e-1', pipelineName: 'seed', pipelineVersion: 1, status: 'Failed', mode: 'SUPERSEDED', trigger: { triggerType: 'CloudWatchEvent' }, startTime: 0, lastUpdateTime: 0,
  variables: {}, sourceOverrides: [], sourceRevisions: [{ actionName: 'Source', revisionId: '0123456789abcdef0123', revisionSummary: 'fix: the thing\n\nbody' }], position: { kind: 'done' },
  stages: {
    Source: { status: 'Succeeded', stageExecutionId: 's-1', attempt: 1, startTime: 0, actions: {} },
    Build: {
      status: 'Failed', stageExecutionId: 's-2', attempt: 1, startTime: 0,
      actions: { Compile: { actionExecutionId: 'a-1', stageAttempt: 1, status: 'Failed', startTime: 0, lastUpdateTime: 0, errorDetails: { code: 'JobFailed', message: 'exit status 1 in <build>' }, resolvedConfiguration: {}, inputArtifacts: [], outputArtifacts: [], outputVariables: {} } },
    },
  },
}

describe('notifications: rendering (golden)', () => {
  const attributes = pipelineAttributes(failedExecution)

  it('reads where an execution failed', () => {
    assert.deepEqual(attributes, {
      failedStage: 'Build', failedActionCount: 1, failedActions: [{ stage: 'Build', action: 'Compile', additionalInformation: 'exit status 1 in <build>' }],
      sourceActions: [{ sourceActionName: 'Source', revisionId: '0123456789abcdef0123', revisionSummary: 'fix: the thing\n\nbody' }],
    })
  })

  it('a BASIC webhook body is the EventBridge event', () => {
    assert.deepEqual(JSON.parse(renderPayload('Webhook', execution('FAILED'), rule(), ctx, attributes)), {
      version: '0', id: ctx.eventId, 'detail-type': 'CodePipeline Pipeline Execution State Change', source: 'aws.codepipeline', account: ACCOUNT,
      time: '2026-11-24T10:20:30Z', region: 'us-east-1', resources: [PIPE],
      detail: { pipeline: 'seed', 'execution-id': 'e-1', version: 1, state: 'FAILED', 'execution-trigger': { 'trigger-type': 'CloudWatchEvent' } },
    })
  })

  it('a FULL webhook body adds the rule ARN and additional attributes', () => {
    const body = webhookBody(execution('FAILED'), rule({ detailType: 'FULL' }), ctx, attributes)
    assert.equal('notificationRuleArn' in body && body.notificationRuleArn, rule().arn)
    assert.deepEqual('additionalAttributes' in body && body.additionalAttributes, attributes)
  })

  it('renders AWS detail shapes for builds, pushes and deployments', () => {
    assert.deepEqual(webhookBody(build('FAILED'), rule(), ctx).detail, { 'build-status': 'FAILED', 'project-name': 'app', 'build-id': `arn:aws:codebuild:us-east-1:${ACCOUNT}:build/app:b-1`, version: '1' })
    assert.equal(webhookBody(build('FAILED'), rule(), ctx)['detail-type'], 'CodeBuild Build State Change')
    assert.deepEqual(webhookBody(ref('referenceUpdated', 'c1', 'c2', 'refs/tags/v1'), rule(), ctx).detail, {
      callerUserArn: `arn:aws:iam::${ACCOUNT}:user/dev`, event: 'referenceUpdated', referenceFullName: 'refs/tags/v1', referenceName: 'v1', referenceType: 'tag', repositoryId: 'r-1', repositoryName: 'app', commitId: 'c2', oldCommitId: 'c1',
    })
    assert.equal(webhookBody(ref('referenceCreated', null, 'c1'), rule(), ctx)['detail-type'], 'CodeCommit Repository State Change')
    assert.deepEqual(webhookBody(deployment('FAILED'), rule(), ctx).detail, { region: 'us-east-1', deploymentId: 'd-1', application: 'web', deploymentGroup: 'prod', state: 'FAILED' })
  })

  it('one-line summaries', () => {
    const table: [NotifiableEvent, string][] = [
      [execution('FAILED'), ':x: Pipeline *seed* execution `e-1` FAILED at stage Build'],
      [execution('SUCCEEDED'), ':white_check_mark: Pipeline *seed* execution `e-1` SUCCEEDED'],
      [execution('STARTED'), ':arrow_forward: Pipeline *seed* execution `e-1` STARTED'],
      [stage('FAILED'), ':x: Pipeline *seed* stage *Build* FAILED (execution `e-1`)'],
      [action('FAILED'), ':x: Pipeline *seed* action *Compile* in stage *Build* FAILED (execution `e-1`): exit status 1 in &lt;build&gt;'],
      [action('STARTED', 'Approval'), ':raised_hand: Pipeline *seed* is waiting for manual approval *Compile* in stage *Build* (execution `e-1`)'],
      [build('FAILED'), ':x: Build `app:b-1` of project *app* FAILED'],
      [ref('referenceCreated', null, '0123456789'), ':bookmark: Repository *app*: branch *main* created at `0123456`'],
      [ref('referenceDeleted', '0123456789', null), ':bookmark: Repository *app*: branch *main* deleted'],
      [deployment('SUCCEEDED'), ':white_check_mark: Deployment `d-1` of *web* to *prod* SUCCEEDED'],
    ]
    for (const [event, line] of table) assert.equal(summaryLine(event, attributes), line)
  })

  it('a Slack message links the console page', () => {
    assert.deepEqual(slackMessage(execution('FAILED'), rule(), ctx, attributes), {
      text: ':x: Pipeline *seed* execution `e-1` FAILED at stage Build — <http://127.0.0.1:4566/#/pipelines/seed/executions/e-1|View execution>',
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: ':x: Pipeline *seed* execution `e-1` FAILED at stage Build' } },
        { type: 'context', elements: [{ type: 'mrkdwn', text: '<http://127.0.0.1:4566/#/pipelines/seed/executions/e-1|View execution> · CodePipeline Pipeline Execution State Change · us-east-1 · 2026-11-24T10:20:30Z' }] },
      ],
    })
    const full = slackMessage(execution('FAILED'), rule({ detailType: 'FULL' }), ctx, attributes)
    assert.deepEqual(full.blocks?.[1], { type: 'section', text: { type: 'mrkdwn', text: '• *Build* / *Compile*: exit status 1 in &lt;build&gt;\n• source *Source* at `0123456789ab` fix: the thing' } })
  })
})

describe('notifications: backoff', () => {
  it('doubles from 1 s, caps at 60 s, 8 attempts in all', () => {
    assert.equal(MAX_ATTEMPTS, 8)
    assert.deepEqual(backoffSchedule(), [1000, 2000, 4000, 8000, 16000, 32000, 60000])
    assert.equal(backoffDelayMs(20), 60_000)
  })
  it('jitter spreads by at most ±10 %', () => {
    assert.equal(backoffDelayMs(1, 0), 900)
    assert.equal(backoffDelayMs(3, 0.999999), 4400)
  })
  it('decides delivered, retry or failed', () => {
    assert.deepEqual(afterAttempt(1, { ok: true }, 0), { status: 'delivered' })
    assert.deepEqual(afterAttempt(2, { ok: false, error: 'HTTP 500' }, 10_000), { status: 'pending', nextAttemptAt: 12_000 })
    assert.deepEqual(afterAttempt(8, { ok: false, error: 'HTTP 500' }, 10_000), { status: 'failed' })
  })
})
