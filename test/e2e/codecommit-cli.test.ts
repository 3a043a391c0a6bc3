import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { startTestServer, tempDir, type TestServer } from '../helpers/server.ts'
import { aws, awsCliAvailable, awsWithFilesOnly, AWS } from '../helpers/aws-cli.ts'
import { basicUrl, git, gitOk, makeWorkTree } from '../helpers/git.ts'

const cliMissing = !(await awsCliAvailable())
if (cliMissing) console.log(`# skipping AWS CLI tests: '${AWS}' is not installed (.ci/run installs it)`)

describe('CodeCommit with the real AWS CLI and git', { skip: cliMissing && `AWS CLI '${AWS}' not installed` }, () => {
  let server: TestServer
  let work: string

  before(async () => {
    server = await startTestServer()
    work = tempDir('work')
  })
  after(async () => {
    await server?.stop()
  })

  it('works with only the generated credentials and config files', async () => {
    const version = await aws(server, ['--version'])
    // endpoint_url in the config file is honoured by CLI v1.29+/v2.13+; older CLIs need --endpoint-url.
    const honoursConfigEndpoint = /aws-cli\/1\.(29|[3-9]\d)|aws-cli\/2\.(1[3-9]|[2-9]\d)/.test(version.stdout + version.stderr)
    const r = honoursConfigEndpoint ? await awsWithFilesOnly(server, ['codecommit', 'list-repositories']) : await aws(server, ['codecommit', 'list-repositories'])
    assert.equal(r.code, 0, r.stderr)
    assert.deepEqual(r.json, { repositories: [] })
  })

  it('creates, lists, gets, renames, tags and deletes repositories', async () => {
    const created = await aws(server, ['codecommit', 'create-repository', '--repository-name', 'Alpha', '--repository-description', 'first repo', '--tags', 'team=core'])
    assert.equal(created.code, 0, created.stderr)
    const meta = created.json.repositoryMetadata
    assert.equal(meta.repositoryName, 'Alpha')
    assert.equal(meta.repositoryDescription, 'first repo')
    assert.equal(meta.cloneUrlHttp, `${server.url}/v1/repos/Alpha`)
    assert.match(meta.repositoryId, /^[0-9a-f-]{36}$/)
    assert.equal(meta.Arn, 'arn:aws:codecommit:us-east-1:000000000000:Alpha')

    assert.equal((await aws(server, ['codecommit', 'create-repository', '--repository-name', 'Beta'])).code, 0)
    const listed = await aws(server, ['codecommit', 'list-repositories', '--sort-by', 'repositoryName', '--order', 'descending'])
    assert.deepEqual(listed.json.repositories.map((r: { repositoryName: string }) => r.repositoryName), ['Beta', 'Alpha'])

    const got = await aws(server, ['codecommit', 'get-repository', '--repository-name', 'Alpha'])
    assert.equal(got.json.repositoryMetadata.repositoryId, meta.repositoryId)

    assert.equal((await aws(server, ['codecommit', 'update-repository-name', '--old-name', 'Alpha', '--new-name', 'Gamma'])).code, 0)
    assert.equal((await aws(server, ['codecommit', 'get-repository', '--repository-name', 'Alpha'])).errorCode, 'RepositoryDoesNotExistException')
    const renamed = await aws(server, ['codecommit', 'get-repository', '--repository-name', 'Gamma'])
    assert.equal(renamed.json.repositoryMetadata.repositoryId, meta.repositoryId)

    const arn = renamed.json.repositoryMetadata.Arn
    assert.equal((await aws(server, ['codecommit', 'tag-resource', '--resource-arn', arn, '--tags', 'env=prod'])).code, 0)
    const tags = await aws(server, ['codecommit', 'list-tags-for-resource', '--resource-arn', arn])
    assert.deepEqual(tags.json.tags, { team: 'core', env: 'prod' })
    assert.equal((await aws(server, ['codecommit', 'untag-resource', '--resource-arn', arn, '--tag-keys', 'team'])).code, 0)
    assert.deepEqual((await aws(server, ['codecommit', 'list-tags-for-resource', '--resource-arn', arn])).json.tags, { env: 'prod' })

    const deleted = await aws(server, ['codecommit', 'delete-repository', '--repository-name', 'Gamma'])
    assert.equal(deleted.json.repositoryId, meta.repositoryId)
    const gone = await aws(server, ['codecommit', 'get-repository', '--repository-name', 'Gamma'])
    assert.notEqual(gone.code, 0)
    assert.equal(gone.errorCode, 'RepositoryDoesNotExistException')
  })

  it('refuses duplicate and invalid names with AWS exception names', async () => {
    assert.equal((await aws(server, ['codecommit', 'create-repository', '--repository-name', 'Dup'])).code, 0)
    assert.equal((await aws(server, ['codecommit', 'create-repository', '--repository-name', 'Dup'])).errorCode, 'RepositoryNameExistsException')
    for (const bad of ['has space', 'ends.git', 'x'.repeat(101), 'semi;colon']) {
      const r = await aws(server, ['codecommit', 'create-repository', '--repository-name', bad])
      assert.equal(r.errorCode, 'InvalidRepositoryNameException', `${bad}: ${r.stderr}`)
    }
    assert.equal((await aws(server, ['codecommit', 'update-repository-name', '--old-name', 'Dup', '--new-name', 'Beta'])).errorCode, 'RepositoryNameExistsException')
  })

  it('accepts a git push with Basic credentials and serves it through the API', async () => {
    await aws(server, ['codecommit', 'create-repository', '--repository-name', 'app'])
    const dir = path.join(work, 'app')
    const first = await makeWorkTree(dir, { 'README.md': '# app\n', 'src/main.sh': 'echo hi\n', 'src/lib/util.sh': 'true\n' }, 'first commit')
    await gitOk(dir, ['push', basicUrl(server.url, 'app', server.accessKeyId, server.secretAccessKey), 'main'])

    const branch = await aws(server, ['codecommit', 'get-branch', '--repository-name', 'app', '--branch-name', 'main'])
    assert.equal(branch.json.branch.commitId, first)
    const commit = await aws(server, ['codecommit', 'get-commit', '--repository-name', 'app', '--commit-id', first])
    assert.equal(commit.json.commit.message, 'first commit\n')
    assert.equal(commit.json.commit.author.name, 'Test Dev')
    assert.equal(commit.json.commit.author.email, 'dev@example.com')
    assert.equal((await aws(server, ['codecommit', 'get-repository', '--repository-name', 'app'])).json.repositoryMetadata.defaultBranch, 'main')

    const file = await aws(server, ['codecommit', 'get-file', '--repository-name', 'app', '--file-path', 'src/main.sh'])
    assert.equal(Buffer.from(file.json.fileContent, 'base64').toString(), 'echo hi\n')
    assert.equal(file.json.commitId, first)
    const folder = await aws(server, ['codecommit', 'get-folder', '--repository-name', 'app', '--folder-path', 'src'])
    assert.deepEqual(folder.json.files.map((f: { relativePath: string }) => f.relativePath), ['main.sh'])
    assert.deepEqual(folder.json.subFolders.map((f: { absolutePath: string }) => f.absolutePath), ['src/lib'])

    fs.writeFileSync(path.join(dir, 'README.md'), '# app v2\n')
    fs.rmSync(path.join(dir, 'src/lib/util.sh'))
    fs.writeFileSync(path.join(dir, 'NEW.txt'), 'new\n')
    await gitOk(dir, ['add', '-A'])
    await gitOk(dir, ['commit', '-q', '-m', 'second'])
    const second = (await gitOk(dir, ['rev-parse', 'HEAD'])).trim()
    await gitOk(dir, ['push', basicUrl(server.url, 'app', server.accessKeyId, server.secretAccessKey), 'main'])
    const diff = await aws(server, ['codecommit', 'get-differences', '--repository-name', 'app', '--before-commit-specifier', first, '--after-commit-specifier', second])
    const changes = diff.json.differences
      .map((d: { changeType: string; afterBlob?: { path: string }; beforeBlob?: { path: string } }) => `${d.changeType} ${(d.afterBlob ?? d.beforeBlob)?.path}`)
      .sort()
    assert.deepEqual(changes, ['A NEW.txt', 'D src/lib/util.sh', 'M README.md'])
  })

  it('accepts a push through `aws codecommit credential-helper`, and put-file commits that git pull sees', async () => {
    await aws(server, ['codecommit', 'create-repository', '--repository-name', 'helper'])
    const dir = path.join(work, 'helper')
    const first = await makeWorkTree(dir, { 'a.txt': 'a\n' })
    const helperEnv = { ...server.awsEnv, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' }
    delete (helperEnv as Record<string, string>).AWS_ACCESS_KEY_ID
    delete (helperEnv as Record<string, string>).AWS_SECRET_ACCESS_KEY
    const helper = ['-c', `credential.helper=!${AWS} codecommit credential-helper --ignore-host-check $@`, '-c', 'credential.UseHttpPath=true']
    const pushed = await git(dir, [...helper, 'push', `${server.url}/v1/repos/helper`, 'main'], helperEnv)
    assert.equal(pushed.code, 0, pushed.stderr)
    assert.equal((await aws(server, ['codecommit', 'get-branch', '--repository-name', 'helper', '--branch-name', 'main'])).json.branch.commitId, first)

    const content = path.join(work, 'put.txt')
    fs.writeFileSync(content, 'written by put-file\n')
    const put = await aws(server, ['codecommit', 'put-file', '--repository-name', 'helper', '--branch-name', 'main', '--file-path', 'docs/put.txt', '--file-content', `fileb://${content}`, '--parent-commit-id', first, '--commit-message', 'add docs', '--name', 'Putter', '--email', 'put@example.com'])
    assert.equal(put.code, 0, put.stderr)
    const stale = await aws(server, ['codecommit', 'put-file', '--repository-name', 'helper', '--branch-name', 'main', '--file-path', 'x.txt', '--file-content', 'x', '--parent-commit-id', first])
    assert.equal(stale.errorCode, 'ParentCommitIdOutdatedException')

    const pulled = await git(dir, [...helper, 'pull', '-q', '--ff-only', `${server.url}/v1/repos/helper`, 'main'], helperEnv)
    assert.equal(pulled.code, 0, pulled.stderr)
    assert.equal(fs.readFileSync(path.join(dir, 'docs/put.txt'), 'utf8'), 'written by put-file\n')
    assert.equal((await gitOk(dir, ['rev-parse', 'HEAD'])).trim(), put.json.commitId)
    assert.equal((await gitOk(dir, ['log', '-1', '--format=%an <%ae> %s'])).trim(), 'Putter <put@example.com> add docs')
  })
})
