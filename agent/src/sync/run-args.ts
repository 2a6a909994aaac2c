// `warden-agent run`'s flags, shared by the resident daemon (daemon-command.ts, which must stay
// small: no ajv) and the in-process paths (run-command.ts: --once; cycle-command.ts: the cycle
// child), so both read the same flags the same way.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { AGENT_CONFIG_DEFAULTS } from '../../../wire/src/config.ts';

export const RUN_USAGE = `usage: warden-agent run --server URL [--enroll-secret SECRET] [--state DIR] [--root DIR]
                         [--bundle-key FILE] [--os linux|darwin|win32] [--cron EXPR]
                         [--no-push] [--dry-run] [--watch] [--cycle-timeout-ms MS] [--once]
  --server URL         the fleet server (the agent talks to it and nothing else)
  --enroll-secret S    enroll with this secret on the first run (or WARDEN_ENROLL_SECRET); sent
                       only sealed to a server that proved the pinned bundle key
  --state DIR          pinned key, credential, last good bundle, upload queue (default ./.warden-agent);
                       with a last good bundle there, the agent enforces without any server or secret
  --root DIR           scan DIR as the filesystem root instead of / (demo, tests)
  --bundle-key FILE    pin this ed25519 public key (PEM) when nothing is pinned yet; default: pinned at
                       the first enrollment. A pinned key changes only through a bundle it signed
  --cron EXPR          check-in schedule (default '${AGENT_CONFIG_DEFAULTS.check_in_cron}')
  --watch              run the process watch even with --root (it is on by default without --root):
                       it kills processes running the banned installs found under that root
  --cycle-timeout-ms MS  kill a cycle (sync, scan, evaluate, enforce: a short-lived child process)
                       still running after MS (default ${AGENT_CONFIG_DEFAULTS.cycle_timeout_ms})
  --once               run one cycle in this process and exit (exit 1 if it failed)
`;

const OPTIONS = {
  server: { type: 'string' },
  'enroll-secret': { type: 'string' },
  state: { type: 'string' },
  root: { type: 'string' },
  'bundle-key': { type: 'string' },
  os: { type: 'string' },
  cron: { type: 'string' },
  'no-push': { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  watch: { type: 'boolean' },
  'cycle-timeout-ms': { type: 'string' },
  once: { type: 'boolean' },
} as const;

/** The configuration the flags describe, not yet validated (throws on an unknown flag). */
export function configObject(args: string[], env: NodeJS.ProcessEnv = process.env): Record<string, unknown> {
  const { values } = parseArgs({ args, options: OPTIONS, strict: true });
  const secret = values['enroll-secret'] ?? env.WARDEN_ENROLL_SECRET;
  const cfg: Record<string, unknown> = {
    ...AGENT_CONFIG_DEFAULTS,
    server: values.server,
    state_dir: resolve(values.state ?? '.warden-agent'),
    push: !values['no-push'],
    dry_run: Boolean(values['dry-run']),
  };
  if (secret) cfg.enroll_secret = secret;
  if (values.root) cfg.root = resolve(values.root);
  if (values.os) cfg.os = values.os;
  if (values.cron) cfg.check_in_cron = values.cron;
  if (values.watch) cfg.process_watch = true;
  if (values['cycle-timeout-ms'] !== undefined) cfg.cycle_timeout_ms = /^\d+$/.test(values['cycle-timeout-ms']) ? Number(values['cycle-timeout-ms']) : values['cycle-timeout-ms'];
  if (values['bundle-key']) cfg.bundle_public_key = readFileSync(values['bundle-key'], 'utf8');
  return cfg;
}
