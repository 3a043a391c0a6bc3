/**
 * The appspec `permissions` section, checked the way the agent 1.8.1 checks it
 * (`application_specification/{linux_permission,mode,acl,ace,context,range}_info.rb`): `object`
 * required; `type` a list of `file`/`directory`; `mode` 1–4 octal digits; every ACL entry and the
 * SELinux range parsed. Windows appspecs may not have permissions at all.
 */
import type { AppSpecReader, Slot } from './appspec-reader.ts'
import type { AppSpecOs, AppSpecPermission, PermissionObjectType, SelinuxContext } from './appspec-types.ts'

const PERMISSION_KEYS = ['object', 'pattern', 'except', 'owner', 'group', 'mode', 'acls', 'context', 'type'] as const
const CONTEXT_KEYS = ['name', 'user', 'type', 'range'] as const
const OBJECT_TYPES: readonly PermissionObjectType[] = ['file', 'directory']

export function readPermissions(r: AppSpecReader, slot: Slot | undefined, os: AppSpecOs | undefined): AppSpecPermission[] {
  if (slot === undefined) return []
  const list = r.list(slot, 'permissions', (item, i) => readPermission(r, item, `permissions[${i}]`)) ?? []
  if (os === 'windows' && list.length > 0) r.error(slot, 'permissions are supported only on Linux: remove the permissions section from an appspec for windows')
  return list
}

function readPermission(r: AppSpecReader, slot: Slot, label: string): AppSpecPermission | undefined {
  const keys = r.keyed(slot, label, PERMISSION_KEYS)
  if (keys === undefined) {
    if (r.isAbsent(slot)) r.error(slot, `${label} is empty: it needs an object`)
    return undefined
  }
  const object = r.trimmed(keys.get('object'), slot, `${label}.object`, `${label} has no object: name the file or directory the permissions apply to`)
  const patternSlot = keys.get('pattern')
  const pattern = (patternSlot && r.requiredString(patternSlot, `${label}.pattern`)) ?? '**'
  const exceptSlot = keys.get('except')
  const except = (exceptSlot && r.stringList(exceptSlot, `${label}.except`)) ?? []
  const ownerSlot = keys.get('owner')
  const owner = ownerSlot && r.requiredString(ownerSlot, `${label}.owner`)
  const groupSlot = keys.get('group')
  const group = groupSlot && r.requiredString(groupSlot, `${label}.group`)
  const modeSlot = keys.get('mode')
  const mode = modeSlot && readMode(r, modeSlot, `${label}.mode`)
  const aclsSlot = keys.get('acls')
  const acls = (aclsSlot && r.list(aclsSlot, `${label}.acls`, (item, i) => readAce(r, item, `${label}.acls[${i}]`))) ?? []
  const contextSlot = keys.get('context')
  const context = contextSlot && readContext(r, contextSlot, `${label}.context`)
  const typeSlot = keys.get('type')
  const type = typeSlot === undefined || r.isAbsent(typeSlot) ? OBJECT_TYPES : readTypes(r, typeSlot, `${label}.type`)
  if (object === undefined || type === undefined) return undefined
  return {
    object,
    pattern,
    except,
    ...(owner !== undefined && { owner }),
    ...(group !== undefined && { group }),
    ...(mode !== undefined && { mode }),
    acls,
    ...(context !== undefined && { context }),
    type,
  }
}

function readTypes(r: AppSpecReader, slot: Slot, label: string): PermissionObjectType[] | undefined {
  const errorsBefore = r.errors.length
  const items = r.list(slot, label, (item, i) => {
    const text = r.requiredString(item, `${label}[${i}]`)
    if (text === undefined) return undefined
    if (!(OBJECT_TYPES as readonly string[]).includes(text)) {
      r.error(item, `${label}[${i}] must be file or directory: found '${text}'`)
      return undefined
    }
    return text as PermissionObjectType
  })
  return r.errors.length === errorsBefore ? items : undefined
}

/**
 * `mode`: the agent takes the value's text, pads it to 3 characters with zeros and requires 1–4
 * octal digits. Ruby's YAML reads an unquoted number with a leading zero as octal and the agent
 * then uses its *decimal* digits (`0644` → 420 → mode 0420), so that case is computed the same way
 * and warned about.
 */
function readMode(r: AppSpecReader, slot: Slot, label: string): number | undefined {
  const value = r.scalar(slot, label)
  if (value === undefined) return undefined
  let digits = value.text
  const octal = value.plain && /^0[0-7]+$/.test(digits)
  if (octal) digits = String(parseInt(digits, 8))
  digits = digits.padStart(3, '0')
  const valid = digits.length <= 4 && /^[0-7]+$/.test(digits)
  if (octal) {
    const written = value.text.replace(/^0+(?=\d{3})/, '')
    const read = `${label} ${value.text} is read by YAML as the octal number ${digits.replace(/^0+(?=\d{3})/, '')}`
    const fix = `write it as ${written} or quote it ("${value.text}")`
    if (valid) r.warn(slot, `${read}, so the agent applies mode ${digits}: ${fix}`)
    else r.error(slot, `${read}, which is not a valid mode: ${fix}`)
    return valid ? parseInt(digits, 8) : undefined
  }
  if (digits.length > 4) {
    r.error(slot, `${label} must be 1 to 4 octal digits (like 644 or "0755"): found '${value.text}'`)
    return undefined
  }
  if (!valid) {
    r.error(slot, `${label} must be octal digits 0-7 (symbolic modes like u+x are not supported): found '${value.text}'`)
    return undefined
  }
  return parseInt(digits, 8)
}

/** One ACL entry, `[d[efault]:][u[ser]|g[roup]|m[ask]|o[ther]:][name]:perms`, as the agent's `AceInfo` parses it. */
function readAce(r: AppSpecReader, slot: Slot, label: string): string | undefined {
  const text = r.requiredString(slot, label)
  if (text === undefined) return undefined
  const problem = aceProblem(text)
  if (problem !== undefined) {
    r.error(slot, `${label} is not a valid ACL entry: ${problem} (found '${text}')`)
    return undefined
  }
  return text
}

const ACE_TYPES: Record<string, string> = { u: 'user', user: 'user', g: 'group', group: 'group', m: 'mask', mask: 'mask', o: 'other', other: 'other' }

/** Why an ACL entry is invalid, or undefined when the agent accepts it. */
export function aceProblem(ace: string): string | undefined {
  const parts = ace.split(':').reverse()
  if (parts.length < 2 || parts.length > 4) return 'expected 2 to 4 fields separated by colons'
  let isDefault = false
  let type: string | undefined
  let name = ''
  if (parts.length === 4) {
    if (parts[3] !== 'd' && parts[3] !== 'default') return "the first of 4 fields must be 'd' or 'default'"
    isDefault = true
  }
  if (parts.length >= 3) {
    const field = parts[2] ?? ''
    if (field === 'd' || field === 'default') {
      if (isDefault) return "'default' is given twice"
      isDefault = true
    } else if (ACE_TYPES[field] !== undefined) type = ACE_TYPES[field]
    else return `unknown entry type '${field}' (use user, group, mask or other)`
  }
  const who = parts[1] ?? ''
  if (ACE_TYPES[who] === 'mask' || ACE_TYPES[who] === 'other') {
    if (type === undefined) type = ACE_TYPES[who]
    else name = ACE_TYPES[who] ?? who
  } else {
    type ??= 'user'
    name = who
  }
  if ((type === 'mask' || type === 'other') && name !== '') return `an entry of type ${type} takes no name`
  if (!isDefault && type !== 'mask' && name === '') return 'use mode to set the base entries (an entry without a name)'
  const perms = parts[0] ?? ''
  if (/^[0-7]$/.test(perms)) return undefined
  const bad = [...perms].find((c) => !'rwx-'.includes(c))
  return bad === undefined ? undefined : `invalid permission character '${bad}' (use r, w, x, - or one octal digit)`
}

function readContext(r: AppSpecReader, slot: Slot, label: string): SelinuxContext | undefined {
  const keys = r.keyed(slot, label, CONTEXT_KEYS)
  if (keys === undefined) return undefined
  const typeSlot = keys.get('type')
  const type = typeSlot === undefined || r.isAbsent(typeSlot) ? undefined : r.requiredString(typeSlot, `${label}.type`)
  if (typeSlot === undefined || r.isAbsent(typeSlot)) r.error(typeSlot ?? slot, `${label} has no type: an SELinux context needs a type`)
  const userSlot = keys.get('name') ?? keys.get('user')
  const user = userSlot && r.requiredString(userSlot, `${label}.${keys.has('name') ? 'name' : 'user'}`)
  const rangeSlot = keys.get('range')
  const range = rangeSlot && r.requiredString(rangeSlot, `${label}.range`)
  const rangeError = range === undefined ? undefined : selinuxRangeProblem(range)
  if (rangeSlot !== undefined && rangeError !== undefined) r.error(rangeSlot, `${label}.range is not a valid SELinux range: ${rangeError} (found '${range}')`)
  if (type === undefined || rangeError !== undefined) return undefined
  return { ...(user !== undefined && { user }), type, ...(range !== undefined && { range }) }
}

/** Why an SELinux range (`s0[-s1][:c0[.c5](,cN)*]`) is invalid, or undefined when the agent's `RangeInfo` accepts it. */
export function selinuxRangeProblem(range: string): string | undefined {
  const split = (input: string, sep: string): string[] | string => {
    const i = input.indexOf(sep)
    const parts = i < 0 ? [input] : [input.slice(0, i), input.slice(i + sep.length)]
    return parts.some((p) => p === '') ? `empty part in '${input}'` : parts
  }
  const level = (text: string, prefix: 's' | 'c'): number | string => {
    if (text.length < 2 || !text.startsWith(prefix) || !/^\d+$/.test(text.slice(1))) return prefix === 's' ? `invalid sensitivity '${text}'` : `invalid category '${text}'`
    const n = parseInt(text.slice(1), 10)
    return prefix === 'c' && n > 1023 ? `category '${text}' is above c1023` : n
  }
  const parts = split(range, ':')
  if (typeof parts === 'string') return parts
  const sensitivity = split(parts[0] ?? '', '-')
  if (typeof sensitivity === 'string') return sensitivity
  const levels = sensitivity.map((s) => level(s, 's'))
  const badLevel = levels.find((l) => typeof l === 'string')
  if (badLevel !== undefined) return badLevel as string
  if (levels.length === 2 && (levels[1] as number) < (levels[0] as number)) return 'the high sensitivity is below the low one'
  if (parts.length === 1) return undefined
  const categories: number[] = []
  for (const part of (parts[1] ?? '').split(',')) {
    const bounds = part.includes('.') ? split(part, '.') : [part]
    if (typeof bounds === 'string') return bounds
    const numbers = bounds.map((b) => level(b, 'c'))
    const bad = numbers.find((n) => typeof n === 'string')
    if (bad !== undefined) return bad as string
    const [low, high = low] = numbers as number[]
    if ((high as number) < (low as number)) return `invalid category range '${part}'`
    for (let c = low as number; c <= (high as number); c++) categories.push(c)
  }
  return new Set(categories).size === categories.length ? undefined : 'duplicate categories'
}
