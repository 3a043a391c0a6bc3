/**
 * ECR lifecycle policies: the rule document PutLifecyclePolicy takes, and which images it expires.
 * Rules run from the lowest `rulePriority` up; an image whose tags a rule selects is decided by that
 * rule alone (a later rule cannot expire it), as ECR documents.
 */
export type LifecycleRule = {
  rulePriority: number
  description?: string
  selection: {
    tagStatus: 'tagged' | 'untagged' | 'any'
    tagPrefixList?: string[]
    tagPatternList?: string[]
    countType: 'imageCountMoreThan' | 'sinceImagePushed'
    countUnit?: 'days'
    countNumber: number
  }
  action: { type: 'expire' }
}

export class LifecyclePolicyInvalid extends Error {}

const fail = (message: string): never => {
  throw new LifecyclePolicyInvalid(message)
}

function stringList(value: unknown, where: string): string[] | undefined {
  if (value === undefined) return undefined
  if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'string' && v.length > 0)) return fail(`'${where}' must be a non-empty list of strings`)
  return value as string[]
}

function parseRule(raw: unknown, index: number): LifecycleRule {
  if (typeof raw !== 'object' || raw === null) return fail(`rule ${index + 1} must be an object`)
  const r = raw as Record<string, unknown>
  const priority = r.rulePriority
  if (typeof priority !== 'number' || !Number.isInteger(priority) || priority < 1) return fail(`'rulePriority' must be a positive integer`)
  const s = r.selection as Record<string, unknown> | undefined
  if (typeof s !== 'object' || s === null) return fail(`rule ${priority} needs a 'selection'`)
  const tagStatus = s.tagStatus
  if (tagStatus !== 'tagged' && tagStatus !== 'untagged' && tagStatus !== 'any') return fail(`'tagStatus' must be tagged, untagged or any`)
  const tagPrefixList = stringList(s.tagPrefixList, 'tagPrefixList')
  const tagPatternList = stringList(s.tagPatternList, 'tagPatternList')
  if (tagStatus === 'tagged' && !tagPrefixList && !tagPatternList) fail(`'tagPrefixList' or 'tagPatternList' is required when 'tagStatus' is tagged`)
  if (tagPrefixList && tagPatternList) fail(`'tagPrefixList' and 'tagPatternList' cannot both be given`)
  if (tagStatus !== 'tagged' && (tagPrefixList || tagPatternList)) fail(`'tagPrefixList' and 'tagPatternList' are only allowed when 'tagStatus' is tagged`)
  if (tagPatternList?.some((p) => (p.match(/\*/g)?.length ?? 0) > 4)) fail(`a tag pattern may hold at most 4 wildcards`)
  const countType = s.countType
  if (countType !== 'imageCountMoreThan' && countType !== 'sinceImagePushed') return fail(`'countType' must be imageCountMoreThan or sinceImagePushed`)
  if (countType === 'sinceImagePushed' && s.countUnit !== 'days') fail(`'countUnit' must be days when 'countType' is sinceImagePushed`)
  if (countType === 'imageCountMoreThan' && s.countUnit !== undefined) fail(`'countUnit' is not allowed when 'countType' is imageCountMoreThan`)
  const countNumber = s.countNumber
  if (typeof countNumber !== 'number' || !Number.isInteger(countNumber) || countNumber < 1) return fail(`'countNumber' must be a positive integer`)
  const action = r.action as Record<string, unknown> | undefined
  if (action?.type !== 'expire') fail(`'action.type' must be expire`)
  return {
    rulePriority: priority,
    ...(typeof r.description === 'string' ? { description: r.description } : {}),
    selection: {
      tagStatus,
      ...(tagPrefixList ? { tagPrefixList } : {}),
      ...(tagPatternList ? { tagPatternList } : {}),
      countType,
      ...(countType === 'sinceImagePushed' ? { countUnit: 'days' as const } : {}),
      countNumber,
    },
    action: { type: 'expire' },
  }
}

/** Parses and checks a policy document; the rules come back in priority order. */
export function parseLifecyclePolicy(text: string): LifecycleRule[] {
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch {
    return fail('the policy is not valid JSON')
  }
  const rules = (doc as { rules?: unknown } | null)?.rules
  if (!Array.isArray(rules) || rules.length === 0) return fail(`the policy needs a non-empty 'rules' list`)
  const parsed = rules.map(parseRule).sort((a, b) => a.rulePriority - b.rulePriority)
  for (let i = 1; i < parsed.length; i++) if (parsed[i]!.rulePriority === parsed[i - 1]!.rulePriority) fail(`'rulePriority' ${parsed[i]!.rulePriority} is used twice`)
  const anyIndex = parsed.findIndex((r) => r.selection.tagStatus === 'any')
  if (anyIndex >= 0 && anyIndex !== parsed.length - 1) fail(`a rule with 'tagStatus' any must have the highest 'rulePriority'`)
  return parsed
}

export type LifecycleImage = { digest: string; tags: string[]; pushedAt: Date }

const globMatches = (pattern: string, tag: string): boolean => {
  const parts = pattern.split('*')
  if (parts.length === 1) return pattern === tag
  let at = 0
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!
    if (i === 0) {
      if (!tag.startsWith(part)) return false
      at = part.length
    } else if (i === parts.length - 1) {
      return tag.length - part.length >= at && tag.endsWith(part)
    } else {
      const found = tag.indexOf(part, at)
      if (found < 0) return false
      at = found + part.length
    }
  }
  return true
}

function selects(rule: LifecycleRule, image: LifecycleImage): boolean {
  const s = rule.selection
  if (s.tagStatus === 'any') return true
  if (s.tagStatus === 'untagged') return image.tags.length === 0
  if (image.tags.length === 0) return false
  if (s.tagPrefixList) return s.tagPrefixList.every((p) => image.tags.some((t) => t.startsWith(p)))
  return (s.tagPatternList ?? []).every((p) => image.tags.some((t) => globMatches(p, t)))
}

const DAY_MS = 24 * 60 * 60 * 1000

/** The digests the rules expire among `images`, at `now`. */
export function imagesToExpire(rules: readonly LifecycleRule[], images: readonly LifecycleImage[], now: Date): string[] {
  const decided = new Set<string>()
  const expire: string[] = []
  for (const rule of rules) {
    const selected = images.filter((i) => !decided.has(i.digest) && selects(rule, i))
    for (const i of selected) decided.add(i.digest)
    const s = rule.selection
    if (s.countType === 'imageCountMoreThan') {
      const newestFirst = [...selected].sort((a, b) => b.pushedAt.getTime() - a.pushedAt.getTime() || a.digest.localeCompare(b.digest))
      expire.push(...newestFirst.slice(s.countNumber).map((i) => i.digest))
    } else {
      const cutoff = now.getTime() - s.countNumber * DAY_MS
      expire.push(...selected.filter((i) => i.pushedAt.getTime() < cutoff).map((i) => i.digest))
    }
  }
  return expire
}
