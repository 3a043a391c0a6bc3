/**
 * Typed, positioned reads over a parsed YAML document, collecting problems instead of throwing.
 *
 * The document is parsed with the YAML *failsafe* schema, so every scalar arrives as its source
 * text: `1.0` stays `"1.0"`, `yes` stays `"yes"` — which is how CodeBuild (Go yaml decoding into
 * string fields) reads env values, versions and runtime versions. Booleans and nulls are then
 * interpreted here, per key, the way Go yaml v2 does. Aliases are followed and `<<` merge keys are
 * honoured (keys written in the map win over merged ones).
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml'
import type { BuildspecProblem } from './buildspec-types.ts'

/** Where a value sits: the value node (null when the key has no value), its key node (null for list items and the root) and its path. */
export type Slot = { readonly node: Node | null; readonly key: Node | null; readonly path: string }

/** One key of a mapping, with its value's slot. */
export type Entry = { readonly name: string; readonly slot: Slot }

const NULLS = new Set(['', '~', 'null', 'Null', 'NULL'])
// Go yaml v2's boolean spellings (YAML 1.1), which CodeBuild accepts for yes/no keys.
const TRUE = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON'])
const FALSE = new Set(['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF'])

/** Joins a parent path and a key: `env` + `variables` → `env.variables`. */
export function childPath(parent: string, key: string): string {
  return parent === '' ? key : `${parent}.${key}`
}

export class Reader {
  readonly errors: BuildspecProblem[] = []
  readonly warnings: BuildspecProblem[] = []
  readonly #doc: Document
  readonly #lines: LineCounter
  readonly #badAliases = new Set<Node>()

  constructor(doc: Document, lines: LineCounter) {
    this.#doc = doc
    this.#lines = lines
  }

  /** The slot of the document's root node. */
  root(): Slot {
    return { node: (this.#doc.contents as Node | null) ?? null, key: null, path: '' }
  }

  /** 1-based position of a slot: the value, or its key when the value is missing or empty. */
  position(slot: Slot): { line: number; column: number } {
    const node = slot.node
    const empty = node === null || (isScalar(node) && node.type === 'PLAIN' && (node.source ?? '') === '')
    const at = (empty ? slot.key?.range?.[0] : node?.range?.[0]) ?? node?.range?.[0] ?? slot.key?.range?.[0] ?? 0
    const { line, col } = this.#lines.linePos(at)
    return { line, column: col }
  }

  /** Records an error; `text` gets the `YAML_FILE_ERROR: ` prefix and ` at line L, column C`. */
  error(slot: Slot, text: string): void {
    const { line, column } = this.position(slot)
    this.errors.push({ message: `YAML_FILE_ERROR: ${text} at line ${line}, column ${column}`, line, column, path: slot.path })
  }

  /** Records an error whose whole message is built by the caller from the position. */
  errorAt(slot: Slot, message: (line: number, column: number) => string): void {
    const { line, column } = this.position(slot)
    this.errors.push({ message: message(line, column), line, column, path: slot.path })
  }

  /** Records a warning: `text` plus ` (at line L, column C)`. */
  warn(slot: Slot, text: string): void {
    const { line, column } = this.position(slot)
    this.warnings.push({ message: `${text} (at line ${line}, column ${column})`, line, column, path: slot.path })
  }

  /** The node an alias points to (aliases of aliases included); other nodes unchanged. An alias to no anchor is reported once and reads as absent. */
  resolve(node: Node | null, path = ''): Node | null {
    let current = node
    for (let hops = 0; current !== null && isAlias(current) && hops < 100; hops++) {
      const alias = current
      current = (alias.resolve(this.#doc) as Node | undefined) ?? null
      if (current === null && !this.#badAliases.has(alias)) {
        this.#badAliases.add(alias)
        this.error({ node: alias, key: null, path }, `Unknown alias *${alias.source}: no anchor &${alias.source} precedes it`)
      }
    }
    return current
  }

  /** True when the slot holds nothing: no value, or a plain `~`/`null`/empty scalar. */
  isAbsent(slot: Slot): boolean {
    const node = this.resolve(slot.node, slot.path)
    return node === null || (isScalar(node) && node.type === 'PLAIN' && NULLS.has(String(node.value)))
  }

  /** True when the slot holds a scalar (after following aliases). */
  isScalar(slot: Slot): boolean {
    return isScalar(this.resolve(slot.node, slot.path))
  }

  /** `found subkeys instead`, `found a list instead`, … for type errors. */
  found(slot: Slot): string {
    const node = this.resolve(slot.node, slot.path)
    if (isMap(node)) return 'found subkeys instead'
    if (isSeq(node)) return 'found a list instead'
    if (this.isAbsent(slot)) return 'found an empty value instead'
    return 'found a string instead'
  }

  /**
   * The keys of a mapping (merge keys expanded), or undefined when the slot is absent or not a
   * mapping (the latter is reported). Keys outside `known` get an "unknown key" warning.
   */
  entries(slot: Slot, label: string, known?: readonly string[]): Entry[] | undefined {
    if (this.isAbsent(slot)) return undefined
    const node = this.resolve(slot.node, slot.path)
    if (!isMap(node)) {
      this.error(slot, `Expected ${label} to be a mapping: ${this.found(slot)}`)
      return undefined
    }
    const out = this.#mapEntries(node, slot.path, new Set())
    if (known !== undefined) {
      for (const entry of out) if (!known.includes(entry.name)) this.warn({ ...entry.slot, node: null }, `Unknown key '${entry.name}' in ${label} is ignored`)
    }
    return out
  }

  #mapEntries(map: Node, path: string, seen: Set<Node>): Entry[] {
    if (!isMap(map) || seen.has(map)) return []
    seen.add(map)
    const own: Entry[] = []
    const merged: Entry[] = []
    for (const pair of map.items) {
      const keyNode = this.resolve((pair.key as Node | null) ?? null)
      const valueNode = (pair.value as Node | null) ?? null
      const keySlot: Slot = { node: null, key: (pair.key as Node | null) ?? null, path }
      if (!isScalar(keyNode)) {
        this.error(keySlot, `Expected a key of ${path === '' ? 'the buildspec' : path} to be a string: found ${isMap(keyNode) ? 'subkeys' : isSeq(keyNode) ? 'a list' : 'an empty key'} instead`)
        continue
      }
      const name = String(keyNode.value)
      if (name === '<<' && keyNode.type === 'PLAIN') {
        const target = this.resolve(valueNode)
        const sources = isSeq(target) ? target.items.map((item) => this.resolve(item as Node)) : [target]
        for (const source of sources) {
          if (!isMap(source)) this.error({ node: valueNode, key: pair.key as Node, path }, 'Expected a merge key (<<) to refer to a mapping')
          else merged.push(...this.#mapEntries(source, path, seen))
        }
        continue
      }
      own.push({ name, slot: { node: valueNode, key: pair.key as Node, path: childPath(path, name) } })
    }
    seen.delete(map)
    const names = new Set(own.map((e) => e.name))
    for (const entry of merged) {
      if (names.has(entry.name)) continue
      names.add(entry.name)
      own.push(entry)
    }
    return own
  }

  /** A scalar as its text; undefined when absent or not a scalar (the latter reported, with `hint` appended). */
  string(slot: Slot, label: string, hint = ''): string | undefined {
    if (this.isAbsent(slot)) return undefined
    const node = this.resolve(slot.node, slot.path)
    if (!isScalar(node)) {
      this.error(slot, `Expected ${label} to be of string type: ${this.found(slot)}${hint}`)
      return undefined
    }
    return String(node.value)
  }

  /** Like `string`, but an absent or empty value is reported as required. */
  requiredString(slot: Slot, label: string): string | undefined {
    const value = this.string(slot, label)
    if (value === undefined && this.isAbsent(slot)) this.error(slot, `Expected ${label} to be a non-empty string: found an empty value instead`)
    else if (value === '') this.error(slot, `Expected ${label} to be a non-empty string`)
    return value === '' ? undefined : value
  }

  /** The items of a list, each checked by `item`; undefined when absent or not a list (reported). */
  list<T>(slot: Slot, label: string, item: (itemSlot: Slot, index: number) => T | undefined): T[] | undefined {
    if (this.isAbsent(slot)) return undefined
    const node = this.resolve(slot.node, slot.path)
    if (!isSeq(node)) {
      this.error(slot, `Expected ${label} to be a list: ${this.found(slot)}`)
      return undefined
    }
    const out: T[] = []
    node.items.forEach((raw, index) => {
      const value = item({ node: (raw as Node | null) ?? null, key: null, path: `${slot.path}[${index}]` }, index)
      if (value !== undefined) out.push(value)
    })
    return out
  }

  /** A list of non-empty strings (globs, names, keys). */
  stringList(slot: Slot, label: string): string[] | undefined {
    return this.list(slot, label, (itemSlot, index) => this.requiredString(itemSlot, `${label}[${index}]`))
  }

  /**
   * Paths: a list of non-empty strings, or one string standing for a list of one — CodeBuild takes
   * `files: imagedefinitions.json` as AWS's own ECS tutorial writes it.
   */
  pathList(slot: Slot, label: string): string[] | undefined {
    if (!this.isAbsent(slot) && isScalar(this.resolve(slot.node, slot.path))) {
      const one = this.requiredString(slot, label)
      return one === undefined ? undefined : [one]
    }
    return this.stringList(slot, label)
  }

  /** A yes/no value (YAML 1.1 booleans, quoted or not); undefined when absent or invalid (reported). */
  bool(slot: Slot, label: string): boolean | undefined {
    const text = this.string(slot, label)
    if (text === undefined) return undefined
    if (TRUE.has(text)) return true
    if (FALSE.has(text)) return false
    this.error(slot, `Expected ${label} to be yes or no: found '${text}'`)
    return undefined
  }
}
