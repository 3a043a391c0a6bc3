import type { BuildRecord, BuildSettings, ProjectRecord } from '../../../src/build/records.ts'
import { NESTED, T0, TRICKY } from './support.ts'

/** The effective settings of a build, with unicode and nested values in its JSON. */
export const settings = (): BuildSettings => ({
  source: { type: 'NO_SOURCE', buildspec: `version: 0.2\nphases:\n  build:\n    commands:\n      - echo "${TRICKY}"\n` },
  secondarySources: [],
  secondarySourceVersions: [],
  artifacts: { type: 'NO_ARTIFACTS' },
  secondaryArtifacts: [],
  cache: { type: 'NO_CACHE' },
  environment: { type: 'LINUX_CONTAINER', image: 'aws/codebuild/standard:7.0', computeType: 'BUILD_GENERAL1_SMALL', environmentVariables: [{ name: 'NESTED', value: JSON.stringify(NESTED), type: 'PLAINTEXT' }] },
  environmentVariablesOverride: [{ name: 'GREETING', value: TRICKY }],
  serviceRole: 'arn:aws:iam::000000000000:role/build',
  timeoutInMinutes: 60,
  queuedTimeoutInMinutes: 480,
})

/** A CodeBuild project with every optional field left out. */
export const project = (name: string, extra: Partial<ProjectRecord> = {}): ProjectRecord => ({
  name,
  source: { type: 'NO_SOURCE', buildspec: 'version: 0.2' },
  secondarySources: [],
  secondarySourceVersions: [],
  artifacts: { type: 'NO_ARTIFACTS' },
  secondaryArtifacts: [],
  cache: { type: 'NO_CACHE' },
  environment: { type: 'LINUX_CONTAINER', image: 'aws/codebuild/standard:7.0', computeType: 'BUILD_GENERAL1_SMALL' },
  serviceRole: 'arn:aws:iam::000000000000:role/build',
  timeoutInMinutes: 60,
  queuedTimeoutInMinutes: 480,
  tags: [],
  createdAt: T0,
  lastModifiedAt: T0,
  ...extra,
})

/** A queued build (SUBMITTED done, QUEUED open), as StartBuild writes it. */
export const build = (projectName: string, buildNumber: number, startTime: Date, extra: Partial<BuildRecord> = {}): BuildRecord => ({
  id: `${projectName}:${String(buildNumber).padStart(8, '0')}-0000-4000-8000-000000000000`,
  projectName,
  buildNumber,
  status: 'IN_PROGRESS',
  currentPhase: 'QUEUED',
  startTime,
  initiator: 'root',
  settings: settings(),
  phases: [
    { phaseType: 'SUBMITTED', phaseStatus: 'SUCCEEDED', startTime, endTime: startTime },
    { phaseType: 'QUEUED', startTime },
  ],
  exportedVariables: [],
  secondaryArtifacts: [],
  stopRequested: false,
  logFile: `logs/builds/${projectName}/${buildNumber}.log`,
  ...extra,
})
