import type { AwsJsonService, Violation } from '../../protocol/aws-json/operation-table.ts'
import type { Operations } from '../../protocol/models/codecommit.types.ts'
import { CodeCommitErrors as E } from '../model/errors.ts'
import type { GitContext } from '../service/context.ts'
import { paginate } from '../../shared/paging.ts'
import * as repositories from '../service/repositories.ts'
import * as branches from '../service/branches.ts'
import * as commits from '../service/commits.ts'
import * as read from '../service/read-files.ts'
import * as write from '../service/write-files.ts'
import * as tags from '../service/tags.ts'

const base64 = (b: Uint8Array) => Buffer.from(b).toString('base64')
const bytes = (s: string) => Buffer.from(s, 'base64')

/**
 * CodeCommit answers bad names with its own exceptions rather than ValidationException: map the
 * model's violations on the members that have one.
 */
function mapViolations(_operation: string, violations: Violation[]) {
  for (const v of violations) {
    const member = v.path.split('.').pop() ?? ''
    if (/^(repositoryName|oldName|newName)$/.test(member)) return v.constraint === 'required' ? E.repositoryNameRequired() : E.invalidRepositoryName()
    if (/^(branchName|defaultBranchName)$/.test(member)) return v.constraint === 'required' ? E.branchNameRequired() : E.invalidBranchName('')
    if (member === 'commitId' && v.constraint === 'required') return E.commitIdRequired()
    if (member === 'repositoryNames') return v.constraint === 'required' ? E.repositoryNamesRequired() : E.invalidRepositoryName()
  }
  return undefined
}

export function codeCommitApi(ctx: GitContext): AwsJsonService<Operations> {
  return {
    model: 'codecommit',
    mapViolations,
    handlers: {
      CreateRepository: async (i) => ({
        repositoryMetadata: await repositories.createRepository(ctx, { name: i.repositoryName, description: i.repositoryDescription, tags: i.tags, kmsKeyId: i.kmsKeyId }),
      }),
      GetRepository: async (i) => ({ repositoryMetadata: await repositories.getRepository(ctx, i.repositoryName) }),
      BatchGetRepositories: async (i) => repositories.batchGetRepositories(ctx, i.repositoryNames),
      ListRepositories: async (i) => {
        const all = await repositories.listRepositories(ctx, i.sortBy, i.order)
        const { page, nextToken } = paginate(all, i.nextToken, 1000, E.invalidContinuationToken)
        return { repositories: page, nextToken }
      },
      DeleteRepository: async (i) => ({ repositoryId: await repositories.deleteRepository(ctx, i.repositoryName) }),
      UpdateRepositoryDescription: async (i) => {
        await repositories.updateRepositoryDescription(ctx, i.repositoryName, i.repositoryDescription)
        return {}
      },
      UpdateRepositoryName: async (i) => {
        await repositories.renameRepository(ctx, i.oldName, i.newName)
        return {}
      },

      CreateBranch: async (i, call) => {
        await branches.createBranch(ctx, i.repositoryName, i.branchName, i.commitId, call.principal)
        return {}
      },
      GetBranch: async (i) => ({ branch: await branches.getBranch(ctx, i.repositoryName, i.branchName) }),
      ListBranches: async (i) => {
        const { page, nextToken } = paginate(await branches.listBranches(ctx, i.repositoryName), i.nextToken, 1000, E.invalidContinuationToken)
        return { branches: page, nextToken }
      },
      DeleteBranch: async (i, call) => ({ deletedBranch: await branches.deleteBranch(ctx, i.repositoryName, i.branchName, call.principal) }),
      UpdateDefaultBranch: async (i) => {
        await branches.updateDefaultBranch(ctx, i.repositoryName, i.defaultBranchName)
        return {}
      },

      GetCommit: async (i) => ({ commit: await commits.getCommit(ctx, i.repositoryName, i.commitId) }),
      BatchGetCommits: async (i) => commits.batchGetCommits(ctx, i.repositoryName, i.commitIds),
      GetDifferences: async (i) => {
        const all = await commits.getDifferences(ctx, i)
        const { page, nextToken } = paginate(all, i.NextToken, i.MaxResults ?? 100, E.invalidContinuationToken)
        return { differences: page, NextToken: nextToken }
      },

      GetFile: async (i) => {
        const file = await read.getFile(ctx, i)
        return { ...file, fileContent: base64(file.fileContent) }
      },
      GetFolder: async (i) => read.getFolder(ctx, i),
      GetBlob: async (i) => ({ content: base64((await read.getBlob(ctx, i.repositoryName, i.blobId)).content) }),
      PutFile: async (i, call) => write.putFile(ctx, { ...i, fileContent: bytes(i.fileContent) }, call.principal),
      DeleteFile: async (i, call) => write.deleteFile(ctx, i, call.principal),
      CreateCommit: async (i, call) =>
        write.createCommit(
          ctx,
          { ...i, putFiles: i.putFiles?.map((p) => ({ ...p, fileContent: p.fileContent === undefined ? undefined : bytes(p.fileContent) })) },
          call.principal,
        ),

      TagResource: async (i) => {
        await tags.tagResource(ctx, i.resourceArn, i.tags)
        return {}
      },
      UntagResource: async (i) => {
        await tags.untagResource(ctx, i.resourceArn, i.tagKeys)
        return {}
      },
      ListTagsForResource: async (i) => ({ tags: await tags.listTagsForResource(ctx, i.resourceArn) }),
    },
  }
}
