import { parseArgs } from 'node:util'
import { ConfigError } from '../config/config-error.ts'
import { trustCaBundleFile } from '../infra/tls/trust.ts'

const USAGE = `Usage: slipway <command> [options]

Commands:
  up                      run the embedded server in the foreground
                          --port N (4566)  --host H (127.0.0.1)  --data-dir DIR (./.slipway)
                          --region R (us-east-1)  --log-level L (info)
                          --executor docker|host|auto (auto: docker when it answers)
                          --no-agent (do not run the local deploy agent 'local')
                          --no-runner (run no builds here: they wait for a \`slipway runner\`)
                          --tls (HTTPS under the data dir's private CA; the default off loopback)
                          --tls-cert FILE --tls-key FILE (HTTPS with your certificate)  --no-tls
  server                  one server of several on shared storage (docs/scale-out.md), in the foreground
                          the options of up (no local agent), and
                          --database-url postgres://… (SLIPWAY_DATABASE_URL)
                          --object-store folder|s3  --s3-endpoint URL  --s3-region R
                          --s3-bucket-prefix P (slipway-)  --s3-path-style
                          --repositories-dir DIR (a volume every server mounts)
                          --master-key-file FILE (SLIPWAY_MASTER_KEY; the same on every server)
                          --runner (run builds here too)
  build                   run ./buildspec.yml locally, in place (no server needed)
                          --buildspec FILE  --image IMAGE  --executor E  --env NAME=VALUE…
                          --artifacts DIR (.slipway-artifacts)  --privileged
  logs <BUILD_ID>         print a build's log   [--follow] [--data-dir DIR] [--endpoint-url URL]
  secrets set NAME [VALUE] | list | delete NAME
                          values for PARAMETER_STORE / SECRETS_MANAGER variables  [--data-dir DIR]
  agent                   the deploy agent for this host (CodeDeploy on-premises instance)
                          --root DIR (deployment root)  --server URL  --name NAME (hostname)
                          --tags k=v,k2=v2  --heartbeat-seconds N (2)  --region R  [--data-dir DIR]
  runner                  a build runner on this machine, reaching the server over HTTP (docs/runners.md)
                          --server URL  --executor docker|host|auto  --capacity N (CPUs)
                          --labels k=v,k2=v1|v2 (type, computeType, image, fleet)  --name NAME (hostname)
                          --work-dir DIR  --warm N (docker: N started containers per image)
                          [--data-dir DIR]  (key: slipway keys create-runner NAME)
  runners list            the registered runners and their builds  [--data-dir DIR] [--endpoint-url URL]
  console                 print a one-time login URL for the web console and open a browser
                          [--data-dir DIR] [--endpoint-url URL] [--no-open]
  env                     print export lines for the AWS CLI    [--data-dir DIR]
  ca                      print the private CA's certificate, for clients to trust [--data-dir DIR]
  keys create [--user U]  create an access key                  [--data-dir DIR]
  keys create-runner N    create a runner key (it can only run builds)
  keys list               list access keys                      [--data-dir DIR]
  keys delete <KEY_ID>    delete an access key                  [--data-dir DIR]
  audit [--limit N]       who changed what, newest first: time, principal, action, resource, outcome, request id
        [--principal P] [--action TEXT] [--resource TEXT] [--since ISO] [--until ISO]
                          (every mutating API call and console command)  [--data-dir DIR]
  notifications create|list|delete|enable|disable|deliveries|event-types
                          rules sending events to webhooks (signed) and Slack [--data-dir DIR]
                          (slipway notifications help)
  help                    this text

Every command that reaches a server over HTTPS trusts --ca-bundle FILE or AWS_CA_BUNDLE besides
the system's CAs (a server under its private CA: \`slipway ca > ca.pem\`).
`

export type CommandArgs = { positionals: string[]; values: Record<string, string | boolean | string[] | undefined> }

const OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  'data-dir': { type: 'string' },
  region: { type: 'string' },
  'log-level': { type: 'string' },
  user: { type: 'string' },
  executor: { type: 'string' },
  'no-agent': { type: 'boolean' },
  'no-runner': { type: 'boolean' },
  'no-open': { type: 'boolean' },
  buildspec: { type: 'string' },
  image: { type: 'string' },
  env: { type: 'string', multiple: true },
  artifacts: { type: 'string' },
  source: { type: 'string' },
  privileged: { type: 'boolean' },
  follow: { type: 'boolean', short: 'f' },
  'endpoint-url': { type: 'string' },
  events: { type: 'string' },
  resource: { type: 'string' },
  webhook: { type: 'string', multiple: true },
  slack: { type: 'string', multiple: true },
  secret: { type: 'string' },
  detail: { type: 'string' },
  rule: { type: 'string' },
  status: { type: 'string' },
  limit: { type: 'string' },
  principal: { type: 'string' },
  action: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  name: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  server: { type: 'string' },
  tags: { type: 'string' },
  root: { type: 'string' },
  'heartbeat-seconds': { type: 'string' },
  'database-url': { type: 'string' },
  'object-store': { type: 'string' },
  's3-endpoint': { type: 'string' },
  's3-region': { type: 'string' },
  's3-bucket-prefix': { type: 'string' },
  's3-path-style': { type: 'boolean' },
  'repositories-dir': { type: 'string' },
  'master-key-file': { type: 'string' },
  runner: { type: 'boolean' },
  capacity: { type: 'string' },
  labels: { type: 'string' },
  'work-dir': { type: 'string' },
  warm: { type: 'string' },
  tls: { type: 'boolean' },
  'no-tls': { type: 'boolean' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'ca-bundle': { type: 'string' },
} as const

async function main(argv: string[]): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true })
  } catch (err) {
    process.stderr.write(`slipway: ${(err as Error).message}\n\n${USAGE}`)
    return 2
  }
  const [command, ...rest] = parsed.positionals
  const args: CommandArgs = { positionals: rest, values: parsed.values }
  if (parsed.values.help || command === undefined || command === 'help') {
    process.stdout.write(USAGE)
    return command === undefined && !parsed.values.help ? 2 : 0
  }
  const caBundle = (parsed.values['ca-bundle'] as string | undefined) ?? process.env.AWS_CA_BUNDLE
  if (caBundle) {
    try {
      trustCaBundleFile(caBundle)
    } catch (err) {
      process.stderr.write(`slipway: ${(err as Error).message}\n`)
      return 2
    }
  }
  // Each command's modules load when it runs: `slipway --help` or `slipway logs` need not load the server.
  switch (command) {
    case 'ca':
      return (await import('./commands/ca.ts')).caCommand(args)
    case 'up':
      return (await import('./commands/up.ts')).upCommand(args)
    case 'server':
      return (await import('./commands/server.ts')).serverCommand(args)
    case 'env':
      return (await import('./commands/env.ts')).envCommand(args)
    case 'keys':
      return (await import('./commands/keys.ts')).keysCommand(args)
    case 'build':
      return (await import('./commands/build.ts')).buildCommand(args)
    case 'logs':
      return (await import('./commands/logs.ts')).logsCommand(args)
    case 'secrets':
      return (await import('./commands/secrets.ts')).secretsCommand(args)
    case 'notifications':
      return (await import('./commands/notifications.ts')).notificationsCommand(args)
    case 'agent':
      return (await import('./commands/agent.ts')).agentCommand(args)
    case 'console':
      return (await import('./commands/console.ts')).consoleCommand(args)
    case 'audit':
      return (await import('./commands/audit.ts')).auditCommand(args)
    case 'runner':
      return (await import('./commands/runner.ts')).runnerCommand(args)
    case 'runners':
      return (await import('./commands/runner.ts')).runnersCommand(args)
    default:
      process.stderr.write(`slipway: unknown command '${command}'\n\n${USAGE}`)
      return 2
  }
}

/** Node's fetch says only "fetch failed": say why, and what to do about an untrusted certificate. */
function unreachable(err: unknown): string | undefined {
  const cause = err instanceof TypeError && err.message === 'fetch failed' ? (err.cause as (Error & { code?: string }) | undefined) : undefined
  if (!cause) return undefined
  const why = `cannot reach the server: ${cause.message}${cause.code && !cause.message.includes(cause.code) ? ` (${cause.code})` : ''}`
  return /CERT|certificate/i.test(`${cause.code} ${cause.message}`) ? `${why}; trust its CA with --ca-bundle FILE or AWS_CA_BUNDLE (\`slipway ca\` on the server prints it)` : why
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== -1) process.exitCode = code
  },
  (err: unknown) => {
    process.stderr.write(`slipway: ${err instanceof ConfigError ? err.message : unreachable(err) ?? (err as Error).stack ?? String(err)}\n`)
    process.exitCode = err instanceof ConfigError ? 2 : 1
  },
)
