/**
 * The buildspec compiler's positioned YAML reader (`src/build/model/yaml-reader.ts`), worded for
 * appspecs: messages carry no `YAML_FILE_ERROR:` prefix and no position text (the problem's
 * `line`/`column` hold it), and duplicate keys resolve the way the agent's Ruby YAML does — the
 * last one wins — with a warning.
 */
import { isScalar, type Scalar } from 'yaml'
import { Reader, type Entry, type Slot } from '../../build/model/yaml-reader.ts'

export type { Entry, Slot }

export class AppSpecReader extends Reader {
  override error(slot: Slot, text: string): void {
    // The shared reader names the document "the buildspec" in one message.
    this.errorAt(slot, () => text.replace('of the buildspec', 'of the appspec'))
  }

  override warn(slot: Slot, text: string): void {
    const { line, column } = this.position(slot)
    this.warnings.push({ message: text, line, column, path: slot.path })
  }

  /** The keys of a mapping by name (last duplicate wins, earlier ones warned about); undefined when absent or not a mapping (reported). */
  keyed(slot: Slot, label: string, known?: readonly string[]): Map<string, Slot> | undefined {
    const entries = this.entries(slot, label, known)
    if (entries === undefined) return undefined
    const out = new Map<string, Slot>()
    for (const entry of entries) {
      if (out.has(entry.name)) this.warn({ ...(out.get(entry.name) as Slot), node: null }, `Duplicate key '${entry.name}' in ${label}: the last one is used`)
      out.set(entry.name, entry.slot)
    }
    return out
  }

  /** A scalar's source text and whether it was written plain (unquoted), which decides how Ruby's YAML types it. */
  scalar(slot: Slot, label: string): { text: string; plain: boolean } | undefined {
    const text = this.string(slot, label)
    if (text === undefined) return undefined
    const node = this.resolve(slot.node, slot.path)
    return { text, plain: isScalar(node) && (node as Scalar).type === 'PLAIN' }
  }

  /** A required non-empty string, surrounding whitespace removed (the agent strips it); reports `missing` when absent or blank. */
  trimmed(slot: Slot | undefined, at: Slot, label: string, missing: string): string | undefined {
    if (slot === undefined || this.isAbsent(slot)) {
      this.error(slot ?? at, missing)
      return undefined
    }
    const text = this.string(slot, label)?.trim()
    if (text === '') this.error(slot, missing)
    return text === '' ? undefined : text
  }
}
