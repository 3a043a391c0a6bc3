import { it } from 'node:test'
import assert from 'node:assert/strict'
import { cliSafeId } from '../../src/artifacts/adapters/ids.ts'
import { UPLOAD_ID } from '../../src/artifacts/adapters/folder-layout.ts'

it('version and upload ids never start with "-" (the AWS CLI would take them for an option)', () => {
  // One plain base64url id in 64 starts with '-': 20,000 draws would all but surely show one.
  for (let i = 0; i < 20_000; i++) {
    const id = cliSafeId(32)
    assert.ok(!id.startsWith('-'), id)
    assert.match(id, UPLOAD_ID)
  }
})
