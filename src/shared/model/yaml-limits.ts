/**
 * Bounds on the YAML documents Slipway reads (buildspecs, appspecs): their size and how deep they
 * nest. Pure: the callers pass the limits their process configured (docs/limits.md).
 */
import { isMap, isPair, isSeq, LineCounter, parseDocument, type Document, type DocumentOptions, type Node, type ParseOptions, type SchemaOptions } from 'yaml'

export type YamlLimits = { maxBytes: number; maxDepth: number }

export const DEFAULT_YAML_LIMITS: YamlLimits = { maxBytes: 1024 * 1024, maxDepth: 64 }

/** Offset of the first node nested deeper than `maxDepth` (maps and sequences count), or undefined. */
function tooDeepAt(doc: Document, maxDepth: number): number | undefined {
  const stack: { node: unknown; depth: number }[] = [{ node: doc.contents, depth: 0 }]
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!
    if (isMap(node) || isSeq(node)) {
      if (depth >= maxDepth) return (node as Node).range?.[0] ?? 0
      for (const item of node.items) stack.push({ node: isPair(item) ? item.value : item, depth: depth + 1 })
    }
  }
  return undefined
}

const kib = (bytes: number): string => `${Math.round(bytes / 1024)} KiB`

export type LimitProblem = { message: string; line: number; column: number }

/**
 * Parses a document of kind `what` ('buildspec', 'appspec') within `limits`: a problem when it is
 * larger than `maxBytes` (`setting` names where the limit is configured) or nests deeper than
 * `maxDepth` (also when the parser itself ran out of stack), else the parsed document.
 */
export function parseWithinLimits(
  text: string,
  what: string,
  limits: YamlLimits,
  options: ParseOptions & DocumentOptions & SchemaOptions,
  setting?: string,
): { doc: Document; lines: LineCounter } | { problem: LimitProblem } {
  const bytes = Buffer.byteLength(text)
  if (bytes > limits.maxBytes) {
    return { problem: { message: `The ${what} is ${kib(bytes)}, more than the limit of ${kib(limits.maxBytes)}${setting ? ` (${setting})` : ''}`, line: 1, column: 1 } }
  }
  const lines = new LineCounter()
  const doc = parseDocument(text, { ...options, lineCounter: lines })
  const overflow = doc.errors.find((e) => /Maximum call stack size exceeded/.test(e.message))
  const deepAt = overflow ? overflow.pos[0] : doc.errors.length === 0 ? tooDeepAt(doc, limits.maxDepth) : undefined
  if (deepAt !== undefined) {
    const pos = lines.linePos(deepAt)
    return { problem: { message: `The ${what} nests deeper than ${limits.maxDepth} levels at line ${pos.line}, column ${pos.col}`, line: pos.line, column: pos.col } }
  }
  return { doc, lines }
}
