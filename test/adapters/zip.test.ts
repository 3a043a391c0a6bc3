import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { extractZipFile, UnsafeZipEntry, writeZip } from '../../src/shared/zip.ts'
import { tempDir } from '../helpers/server.ts'
import { run } from '../helpers/run.ts'

/** Builds a zip with Python's zipfile, which writes whatever entry names it is given. */
async function pythonZip(file: string, entries: Record<string, string>): Promise<void> {
  const r = await run('python3', ['-c', 'import sys,json,zipfile\nz=zipfile.ZipFile(sys.argv[1],"w")\nfor n,c in json.loads(sys.argv[2]).items(): z.writestr(n,c)\nz.close()', file, JSON.stringify(entries)])
  assert.equal(r.code, 0, r.stderr)
}

describe('zip extraction and packaging', () => {
  it('extracts nested entries', async () => {
    const zip = path.join(tempDir('zip'), 'ok.zip')
    await pythonZip(zip, { 'a.txt': 'A', 'dir/b.txt': 'B' })
    const dest = tempDir('unzip')
    assert.equal(await extractZipFile(zip, dest), 2)
    assert.equal(fs.readFileSync(path.join(dest, 'dir', 'b.txt'), 'utf8'), 'B')
  })

  for (const evil of ['../escape.txt', 'a/../../escape.txt', '/abs/escape.txt']) {
    it(`refuses ${evil} and writes nothing`, async () => {
      const root = tempDir('zip-evil')
      const zip = path.join(root, 'evil.zip')
      await pythonZip(zip, { 'first.txt': 'fine', [evil]: 'bad' })
      const dest = path.join(root, 'dest')
      await assert.rejects(extractZipFile(zip, dest), UnsafeZipEntry)
      assert.ok(!fs.existsSync(path.join(root, 'escape.txt')))
      assert.ok(!fs.existsSync(path.join(dest, 'first.txt')), 'checked before anything is written')
    })
  }

  it('writes zips that Python reads back, keeping the executable bit', async () => {
    const dir = tempDir('zip-src')
    fs.writeFileSync(path.join(dir, 'run.sh'), '#!/bin/sh\n', { mode: 0o755 })
    const zip = path.join(tempDir('zip-out'), 'out.zip')
    await writeZip([{ archivePath: 'bin/run.sh', sourcePath: path.join(dir, 'run.sh') }], fs.createWriteStream(zip))
    const r = await run('python3', ['-c', 'import sys,zipfile\ni=zipfile.ZipFile(sys.argv[1]).getinfo("bin/run.sh")\nprint(oct(i.external_attr>>16 & 0o777))', zip])
    assert.equal(r.stdout.trim(), '0o755')
  })
})
