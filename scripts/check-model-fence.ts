/**
 * Lint: the pure core stays pure. Files under `src/<context>/model/` may import only other model
 * folders, `src/shared/errors.ts`, generated API types, and the pure `yaml` parser; and may not read
 * the clock, randomness or the process. Run by `npm test`; exits 1 listing every problem.
 */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const SRC = path.join(ROOT, 'src')
const ALLOWED_PACKAGES = new Set(['yaml'])
const FORBIDDEN_CALLS: [RegExp, string][] = [
  [/\bDate\.now\s*\(/, 'reads the clock (take a Clock or a time argument)'],
  [/\bnew Date\(\s*\)/, 'reads the clock (take a Clock or a time argument)'],
  [/\bMath\.random\s*\(/, 'uses randomness (pass ids in)'],
  [/\bprocess\./, 'touches the process (config and env come from the edge)'],
  [/\b(setTimeout|setInterval|fetch)\s*\(/, 'does I/O or scheduling'],
]

function isAllowedTarget(fromFile: string, specifier: string): boolean {
  if (!specifier.startsWith('.')) return ALLOWED_PACKAGES.has(specifier.split('/')[0] ?? '')
  const target = path.relative(SRC, path.resolve(path.dirname(fromFile), specifier)).split(path.sep).join('/')
  return /^[\w-]+\/model\//.test(target) || target === 'shared/errors.ts' || /^protocol\/models\/[\w-]+\.types\.ts$/.test(target)
}

/** Problems in one model file's text (exported for the lint's own test). */
export function checkModelSource(file: string, text: string): string[] {
  const problems: string[] = []
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '')
  const specifiers = [...code.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g)].map((m) => m[1] ?? '')
  for (const spec of specifiers) if (!isAllowedTarget(file, spec)) problems.push(`${path.relative(ROOT, file)}: imports '${spec}' (model code may not do I/O or reach outside the core)`)
  for (const [pattern, why] of FORBIDDEN_CALLS) if (pattern.test(code)) problems.push(`${path.relative(ROOT, file)}: ${why}: ${pattern}`)
  return problems
}

function modelFiles(): string[] {
  const out: string[] = []
  for (const context of fs.readdirSync(SRC)) {
    const dir = path.join(SRC, context, 'model')
    if (!fs.existsSync(dir)) continue
    for (const f of fs.readdirSync(dir, { recursive: true }) as string[]) if (f.endsWith('.ts')) out.push(path.join(dir, f))
  }
  return out
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const files = modelFiles()
  const problems = files.flatMap((f) => checkModelSource(f, fs.readFileSync(f, 'utf8')))
  if (problems.length > 0) {
    console.error(`model fence: ${problems.length} problem(s)\n${problems.join('\n')}`)
    process.exit(1)
  }
  console.log(`model fence: ${files.length} model files are pure`)
}
