/**
 * ListCuratedEnvironmentImages, Slipway's way: the images present on the runners that are up (what
 * each reported when it registered, and the `image` label values it accepts), grouped as CodeBuild
 * groups its curated images — by platform, then language — with each repository's tags as versions.
 * Platform and language are read from the repository name (`ubuntu`, `amazonlinux`, `node`,
 * `python`, …); anything else is a Debian base image, which is what Slipway's runners are.
 */
import type { RunnerLabels } from './runner-match.ts'

type Platform = 'DEBIAN' | 'AMAZON_LINUX' | 'UBUNTU' | 'WINDOWS_SERVER'
type Language = 'JAVA' | 'PYTHON' | 'NODE_JS' | 'RUBY' | 'GOLANG' | 'DOCKER' | 'ANDROID' | 'DOTNET' | 'BASE' | 'PHP'

const PLATFORMS: [RegExp, Platform][] = [[/ubuntu/, 'UBUNTU'], [/amazonlinux|amazon-linux|\bal2/, 'AMAZON_LINUX'], [/windows|servercore|nanoserver/, 'WINDOWS_SERVER']]
const LANGUAGES: [RegExp, Language][] = [
  [/node/, 'NODE_JS'], [/python|pypy/, 'PYTHON'], [/openjdk|java|maven|gradle|corretto|temurin/, 'JAVA'], [/ruby/, 'RUBY'],
  [/golang|(^|\/)go$/, 'GOLANG'], [/docker|dind|buildkit/, 'DOCKER'], [/android/, 'ANDROID'], [/dotnet|mcr\.microsoft\.com\/dotnet/, 'DOTNET'], [/php/, 'PHP'],
]

export type RunnerImages = { name: string; images: readonly string[]; labels: RunnerLabels }

/** `registry:5000/team/app:1.2` → [`registry:5000/team/app`, `1.2`]; an untagged name is `latest`. */
function split(image: string): [string, string] {
  const at = image.indexOf('@')
  const ref = at >= 0 ? image.slice(0, at) : image
  const colon = ref.lastIndexOf(':')
  return colon > ref.lastIndexOf('/') ? [ref.slice(0, colon), ref.slice(colon + 1)] : [ref, 'latest']
}

export function curatedImages(runners: readonly RunnerImages[]) {
  const repos = new Map<string, { versions: Set<string>; runners: Set<string> }>()
  for (const r of runners) {
    // Label values that are patterns (`team/*`) accept images; they are not images.
    for (const image of [...r.images, ...(r.labels.image ?? []).filter((v) => !/[*?[]/.test(v))]) {
      const [repo, tag] = split(image)
      const entry = repos.get(repo) ?? { versions: new Set<string>(), runners: new Set<string>() }
      entry.versions.add(tag)
      entry.runners.add(r.name)
      repos.set(repo, entry)
    }
  }
  const tree = new Map<Platform, Map<Language, { name: string; description: string; versions: string[] }[]>>()
  for (const [repo, { versions, runners: on }] of [...repos].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const lower = repo.toLowerCase()
    const platform = PLATFORMS.find(([re]) => re.test(lower))?.[1] ?? 'DEBIAN'
    const language = LANGUAGES.find(([re]) => re.test(lower))?.[1] ?? 'BASE'
    const languages = tree.get(platform) ?? new Map<Language, { name: string; description: string; versions: string[] }[]>()
    languages.set(language, [...(languages.get(language) ?? []), { name: repo, description: `on runner(s) ${[...on].sort().join(', ')}`, versions: [...versions].sort().map((v) => `${repo}:${v}`) }])
    tree.set(platform, languages)
  }
  return [...tree].map(([platform, languages]) => ({ platform, languages: [...languages].map(([language, images]) => ({ language, images })) }))
}
