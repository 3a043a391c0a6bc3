import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { loadServiceModel, type ServiceName } from '../../src/protocol/aws-json/service-model.ts'
import { serializeOutput } from '../../src/protocol/aws-json/serialize.ts'

type Case = { name: string; service: ServiceName; shape: string | undefined; value: unknown; expected: unknown }

const created = new Date('2019-01-28T23:17:42.122Z')

const cases: Case[] = [
  { name: 'Date → epoch seconds with the fraction kept', service: 'codecommit', shape: 'GetRepositoryOutput',
    value: { repositoryMetadata: { repositoryName: 'r', creationDate: created, lastModifiedDate: new Date('2019-01-28T23:17:42Z') } },
    expected: { repositoryMetadata: { repositoryName: 'r', creationDate: 1548717462.122, lastModifiedDate: 1548717462 } } },
  { name: 'numbers and ISO strings for timestamps', service: 'codepipeline', shape: 'GetPipelineOutput',
    value: { metadata: { created: 1548717462.5, updated: '2019-01-28T23:17:42.122Z' } },
    expected: { metadata: { created: 1548717462.5, updated: 1548717462.122 } } },
  { name: 'undefined and null members are dropped', service: 'codecommit', shape: 'GetRepositoryOutput',
    value: { repositoryMetadata: { repositoryName: 'r', repositoryDescription: undefined, defaultBranch: null } },
    expected: { repositoryMetadata: { repositoryName: 'r' } } },
  { name: 'members the model does not know are left out, at every depth', service: 'codecommit', shape: 'GetRepositoryOutput',
    value: { repositoryMetadata: { repositoryName: 'r', internalPath: '/var/lib/x' }, requestId: 'abc' },
    expected: { repositoryMetadata: { repositoryName: 'r' } } },
  { name: 'lists of structures', service: 'codedeploy', shape: 'BatchGetDeploymentsOutput',
    value: { deploymentsInfo: [{ deploymentId: 'd-1', createTime: created, secret: 1 }, { deploymentId: 'd-2', status: 'Succeeded' }] },
    expected: { deploymentsInfo: [{ deploymentId: 'd-1', createTime: 1548717462.122 }, { deploymentId: 'd-2', status: 'Succeeded' }] } },
  { name: 'lists of scalars', service: 'codecommit', shape: 'ListBranchesOutput',
    value: { branches: ['main', 'dev'], nextToken: undefined }, expected: { branches: ['main', 'dev'] } },
  { name: 'maps keep every key, drop null values, recurse into values', service: 'codepipeline', shape: 'GetPipelineOutput',
    value: { pipeline: { name: 'p', artifactStores: { 'us-east-1': { type: 'S3', location: 'bucket', extra: true }, 'eu-west-1': null } } },
    expected: { pipeline: { name: 'p', artifactStores: { 'us-east-1': { type: 'S3', location: 'bucket' } } } } },
  { name: 'maps of scalars', service: 'codecommit', shape: 'ListTagsForResourceOutput',
    value: { tags: { team: 'a', 'cost-center': '42' } }, expected: { tags: { team: 'a', 'cost-center': '42' } } },
  { name: 'capitalised members keep their wire names', service: 'codedeploy', shape: 'ListTagsForResourceOutput',
    value: { Tags: [{ Key: 'k', Value: 'v' }], NextToken: 't' }, expected: { Tags: [{ Key: 'k', Value: 'v' }], NextToken: 't' } },
  { name: 'blobs from bytes become base64', service: 'codecommit', shape: 'GetBlobOutput',
    value: { content: new TextEncoder().encode('hello') }, expected: { content: 'aGVsbG8=' } },
  { name: 'blobs already in base64 pass through', service: 'codecommit', shape: 'GetBlobOutput',
    value: { content: 'aGVsbG8=' }, expected: { content: 'aGVsbG8=' } },
  { name: 'numbers and booleans pass through', service: 'codebuild', shape: 'BatchGetProjectsOutput',
    value: { projects: [{ name: 'p', timeoutInMinutes: 60, badge: { badgeEnabled: false } }] },
    expected: { projects: [{ name: 'p', timeoutInMinutes: 60, badge: { badgeEnabled: false } }] } },
  { name: 'operation without output', service: 'codecommit', shape: undefined, value: { anything: 1 }, expected: {} },
  { name: 'nothing returned', service: 'codecommit', shape: 'CreateRepositoryOutput', value: undefined, expected: {} },
]

describe('serializeOutput against the real models', () => {
  for (const c of cases) {
    it(`${c.service} ${c.shape ?? '(no output)'}: ${c.name}`, () => {
      assert.deepEqual(serializeOutput(loadServiceModel(c.service), c.shape, c.value), c.expected)
    })
  }

  it('produces what JSON.stringify sends unchanged', () => {
    const body = serializeOutput(loadServiceModel('codecommit'), 'GetRepositoryOutput', { repositoryMetadata: { creationDate: created } })
    assert.equal(JSON.stringify(body), '{"repositoryMetadata":{"creationDate":1548717462.122}}')
  })

  it('does not modify its input', () => {
    const value = { repositoryMetadata: { repositoryName: 'r', creationDate: created, extra: 1 } }
    serializeOutput(loadServiceModel('codecommit'), 'GetRepositoryOutput', value)
    assert.deepEqual(value, { repositoryMetadata: { repositoryName: 'r', creationDate: created, extra: 1 } })
  })
})
