import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { reportFileSelection, selectArtifactFiles, type ArtifactSelectionSpec } from '../../src/build/model/artifact-selection.ts'
import { compileGlob } from '../../src/build/model/glob.ts'

describe('glob → RegExp', () => {
  const table: [pattern: string, path: string, matches: boolean][] = [
    ['**/*', 'a.txt', true],
    ['**/*', 'a/b/c.txt', true],
    ['**/*', '.env', true],
    ['**/*', 'a/.hidden/x', true],
    ['*', 'a.txt', true],
    ['*', 'a/b.txt', false],
    ['*.txt', 'notes.txt', true],
    ['*.txt', '.txt', true],
    ['*.txt', 'docs/notes.txt', false],
    ['*', '.dotfile', true],
    ['dir/*', 'dir/a', true],
    ['dir/*', 'dir/.a', true],
    ['dir/*', 'dir/sub/a', false],
    ['dir/*', 'dir', false],
    ['dir/**/*', 'dir/a', true],
    ['dir/**/*', 'dir/sub/deep/a', true],
    ['dir/**/*', 'other/a', false],
    ['dir/**/*', 'dir', false],
    ['dir/**', 'dir/sub/a', true],
    ['a/**/b', 'a/b', true],
    ['a/**/b', 'a/x/y/b', true],
    ['a/**/b', 'a/xb', false],
    ['**/test-*.xml', 'test-1.xml', true],
    ['**/test-*.xml', 'reports/unit/test-1.xml', true],
    ['**/test-*.xml', 'reports/unit/junit-1.xml', false],
    ['target/app.jar', 'target/app.jar', true],
    ['target/app.jar', 'target/app.jarx', false],
    ['./target/app.jar', 'target/app.jar', true],
    ['file?.log', 'file1.log', true],
    ['file?.log', 'file10.log', false],
    ['file?.log', 'file/.log', false],
    ['[ab].txt', 'a.txt', true],
    ['[ab].txt', 'c.txt', false],
    ['[!ab].txt', 'c.txt', true],
    ['[!ab].txt', 'a.txt', false],
    ['[a-c]*', 'beta', true],
    ['[unclosed', '[unclosed', true],
    ['*.{js,css}', 'app.js', true],
    ['*.{js,css}', 'app.css', true],
    ['*.{js,css}', 'app.ts', false],
    ['a.b+c(d)$', 'a.b+c(d)$', true],
    ['a.b', 'axb', false],
    ['a**b', 'axxb', true],
    ['a**b', 'a/b', false],
    ['\\*literal', '*literal', true],
    ['\\*literal', 'xliteral', false],
    ['[z-a]', '[z-a]', true],
    ['Case.TXT', 'case.txt', false],
  ]
  for (const [pattern, path, matches] of table) {
    it(`${pattern} ${matches ? 'matches' : 'does not match'} ${path}`, () => assert.equal(compileGlob(pattern).test(path), matches))
  }
})

const LISTING = [
  'appspec.yml',
  'README.md',
  '.env',
  'src/main.ts',
  'src/lib/util.ts',
  'target/app.jar',
  'target/classes/A.class',
  'target/classes/nested/B.class',
  'target/tmp/x.tmp',
  'build-linux/bin/tool',
  'build-linux/README.md',
  'build-mac/bin/tool-mac',
  'docs/index.html',
]

type Row = {
  name: string
  spec: Partial<ArtifactSelectionSpec> & { files: string[] }
  files?: [source: string, archive: string][]
  error?: string
  warnings?: number
}

const spec = (s: Row['spec']): ArtifactSelectionSpec => ({ discardPaths: false, excludePaths: [], ...s })

describe('selectArtifactFiles', () => {
  const table: Row[] = [
    { name: 'a single file', spec: { files: ['target/app.jar'] }, files: [['target/app.jar', 'target/app.jar']] },
    {
      name: '**/* selects everything, dot-files included, sorted by archive path',
      spec: { files: ['**/*'] },
      files: LISTING.slice().sort().map((p) => [p, p]),
    },
    {
      name: 'dir/* selects direct children only',
      spec: { files: ['target/*'] },
      files: [['target/app.jar', 'target/app.jar']],
    },
    {
      name: 'dir/**/* selects recursively',
      spec: { files: ['target/classes/**/*'] },
      files: [
        ['target/classes/A.class', 'target/classes/A.class'],
        ['target/classes/nested/B.class', 'target/classes/nested/B.class'],
      ],
    },
    {
      name: 'a plain directory name selects everything under it',
      spec: { files: ['docs/'] },
      files: [['docs/index.html', 'docs/index.html']],
    },
    {
      name: 'discard-paths flattens',
      spec: { files: ['target/**/*'], discardPaths: true, excludePaths: ['**/*.tmp'] },
      files: [
        ['target/classes/A.class', 'A.class'],
        ['target/classes/nested/B.class', 'B.class'],
        ['target/app.jar', 'app.jar'],
      ],
    },
    {
      name: 'exclude-paths are relative to the base directory',
      spec: { files: ['**/*'], baseDirectory: 'target', excludePaths: ['classes/**/*', 'tmp/*'] },
      files: [['target/app.jar', 'app.jar']],
    },
    {
      name: 'base-directory strips its own path',
      spec: { files: ['**/*'], baseDirectory: 'target/classes' },
      files: [
        ['target/classes/A.class', 'A.class'],
        ['target/classes/nested/B.class', 'nested/B.class'],
      ],
    },
    {
      name: "base-directory './' is the root",
      spec: { files: ['appspec.yml'], baseDirectory: './' },
      files: [['appspec.yml', 'appspec.yml']],
    },
    {
      name: 'base-directory glob over top-level directories: their content, not their names',
      spec: { files: ['bin/*'], baseDirectory: 'build-*' },
      files: [
        ['build-linux/bin/tool', 'bin/tool'],
        ['build-mac/bin/tool-mac', 'bin/tool-mac'],
      ],
    },
    {
      name: 'flattening collisions: last source path wins, with a warning',
      spec: { files: ['**/README.md'], discardPaths: true },
      files: [['build-linux/README.md', 'README.md']],
      warnings: 1,
    },
    {
      name: "base-directory '*' takes each top-level directory's content",
      spec: { files: ['README.md'], baseDirectory: '*' },
      files: [['build-linux/README.md', 'README.md']],
      warnings: 0,
    },
    { name: 'nothing matches', spec: { files: ['nope/**/*'] }, error: 'no matching artifact paths found' },
    { name: 'everything excluded', spec: { files: ['*.md'], excludePaths: ['*'] }, error: 'no matching artifact paths found' },
    { name: 'a glob naming only a directory selects nothing', spec: { files: ['targ*'] }, error: 'no matching artifact paths found' },
    { name: 'missing base directory', spec: { files: ['**/*'], baseDirectory: 'dist' }, error: 'no matching base directory path found for dist' },
    { name: 'base directory glob matching nothing', spec: { files: ['**/*'], baseDirectory: 'out-*' }, error: 'no matching base directory path found for out-*' },
    { name: 'absolute paths are refused', spec: { files: ['/etc/passwd'] }, error: 'invalid path /etc/passwd: paths must be relative to the source directory' },
    { name: 'climbing out is refused', spec: { files: ['../secrets/*'] }, error: 'invalid path ../secrets/*: paths must be relative to the source directory' },
  ]
  for (const row of table) {
    it(row.name, () => {
      const result = selectArtifactFiles(LISTING, spec(row.spec))
      if (row.error !== undefined) {
        assert.deepEqual(result.errors, [{ statusCode: 'CLIENT_ERROR', message: row.error }])
        assert.deepEqual(result.files, [])
      } else {
        assert.deepEqual(result.errors, [])
        assert.deepEqual(
          result.files.map((f) => [f.sourcePath, f.archivePath]),
          row.files,
        )
      }
      if (row.warnings !== undefined) assert.equal(result.warnings.length, row.warnings, result.warnings.join('\n'))
    })
  }

  it('does not depend on the listing order', () => {
    const a = selectArtifactFiles(LISTING, spec({ files: ['**/*'], discardPaths: true }))
    const b = selectArtifactFiles(LISTING.slice().reverse(), spec({ files: ['**/*'], discardPaths: true }))
    assert.deepEqual(a, b)
  })

  it('two base directories writing the same archive path: the later base wins, with a warning', () => {
    const result = selectArtifactFiles(['out-a/app.js', 'out-b/app.js', 'out-b/extra.js'], spec({ files: ['*.js'], baseDirectory: 'out-*' }))
    assert.deepEqual(result.files, [
      { sourcePath: 'out-b/app.js', archivePath: 'app.js' },
      { sourcePath: 'out-b/extra.js', archivePath: 'extra.js' },
    ])
    assert.deepEqual(result.warnings, ['out-b/app.js replaces out-a/app.js at app.js in the artifact'])
  })

  it('names both files of a flattening collision in the warning', () => {
    const result = selectArtifactFiles(['a/x.txt', 'b/x.txt'], spec({ files: ['**/*'], discardPaths: true }))
    assert.deepEqual(result.files, [{ sourcePath: 'b/x.txt', archivePath: 'x.txt' }])
    assert.deepEqual(result.warnings, ['b/x.txt replaces a/x.txt at x.txt in the artifact'])
  })
})

describe('reportFileSelection', () => {
  it('selects report files with base-directory and discard-paths', () => {
    const listing = ['target/surefire-reports/TEST-a.xml', 'target/surefire-reports/nested/TEST-b.xml', 'target/surefire-reports/log.txt']
    const result = reportFileSelection(listing, { files: ['**/*.xml'], baseDirectory: 'target/surefire-reports', discardPaths: true })
    assert.deepEqual(result, {
      files: [
        { sourcePath: 'target/surefire-reports/TEST-a.xml', archivePath: 'TEST-a.xml' },
        { sourcePath: 'target/surefire-reports/nested/TEST-b.xml', archivePath: 'TEST-b.xml' },
      ],
      errors: [],
      warnings: [],
    })
  })

  it('nothing matching is a warning, not an error', () => {
    assert.deepEqual(reportFileSelection(['a.txt'], { files: ['*.xml'], discardPaths: false }), { files: [], errors: [], warnings: ['no matching report paths found'] })
    assert.deepEqual(reportFileSelection(['a.txt'], { files: ['*.xml'], baseDirectory: 'reports', discardPaths: false }), {
      files: [],
      errors: [],
      warnings: ['no matching base directory path found for reports'],
    })
  })
})
