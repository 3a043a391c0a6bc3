import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import { checkModelSource } from '../../scripts/check-model-fence.ts'
import { ROOT } from '../helpers/server.ts'

const file = path.join(ROOT, 'src', 'pipeline', 'model', 'transition.ts')

describe('model fence lint', () => {
  it('accepts imports of other model folders, shared errors, generated types and yaml', () => {
    const ok = [
      "import { x } from './other.ts'",
      "import type { Y } from '../../build/model/buildspec.ts'",
      "import { AwsError } from '../../shared/errors.ts'",
      "import type { Operations } from '../../protocol/models/codepipeline.types.ts'",
      "import { parseDocument } from 'yaml'",
    ].join('\n')
    assert.deepEqual(checkModelSource(file, ok), [])
  })

  it('rejects I/O imports, infrastructure, the clock and randomness', () => {
    const cases = [
      "import fs from 'node:fs'",
      "import { spawn } from 'child_process'",
      "import Fastify from 'fastify'",
      "import { openSqliteStore } from '../../infra/sql-store/sql-store.ts'",
      "import { x } from '../service/start.ts'",
      "const m = await import('node:fs')",
      'const t = Date.now()',
      'const d = new Date()',
      'const r = Math.random()',
      'const e = process.env.X',
    ]
    for (const source of cases) assert.equal(checkModelSource(file, source).length, 1, source)
  })

  it('ignores comments', () => {
    assert.deepEqual(checkModelSource(file, "// import fs from 'node:fs'\n/* Date.now() */"), [])
  })
})
