// `warden-agent run --server URL [--enroll-secret S] [--root DIR] [--state DIR] [--bundle-key FILE]
//   [--os linux|darwin|win32] [--cron EXPR] [--no-push] [--dry-run] [--once]`
// Enrolls (first run), then keeps the fleet policy applied: scheduled and pushed check-ins, verified
// bundles, scan → decide → enforce, durable uploads. Logs are JSON lines on stderr. SIGINT/SIGTERM
// stop it cleanly (the current cycle finishes, the queue stays on disk).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { AGENT_CONFIG_DEFAULTS, AgentConfig } from '../../../wire/src/config.ts';
import { validate } from '../../../wire/src/validate.ts';
import { SyncAgent, jsonLog } from './sync-agent.ts';
import { createPipeline } from './pipeline.ts';

const USAGE = `usage: warden-agent run --server URL [--enroll-secret SECRET] [--state DIR] [--root DIR]
                         [--bundle-key FILE] [--os linux|darwin|win32] [--cron EXPR]
                         [--no-push] [--dry-run] [--once]
  --server URL         the fleet server (the agent talks to it and nothing else)
  --enroll-secret S    enroll with this secret on the first run (or WARDEN_ENROLL_SECRET); sent
                       only sealed to a server that proved the pinned bundle key
  --state DIR          pinned key, credential, last good bundle, upload queue (default ./.warden-agent);
                       with a last good bundle there, the agent enforces without any server or secret
  --root DIR           scan DIR as the filesystem root instead of / (demo, tests)
  --bundle-key FILE    pin this ed25519 public key (PEM) when nothing is pinned yet; default: pinned at
                       the first enrollment. A pinned key changes only through a bundle it signed
  --cron EXPR          check-in schedule (default '${AGENT_CONFIG_DEFAULTS.check_in_cron}')
  --once               run one cycle and exit (exit 1 if it failed)
`;

export function configFromArgs(args: string[], env: NodeJS.ProcessEnv = process.env): AgentConfig {
  const { values } = parseArgs({
    args,
    options: {
      server: { type: 'string' },
      'enroll-secret': { type: 'string' },
      state: { type: 'string' },
      root: { type: 'string' },
      'bundle-key': { type: 'string' },
      os: { type: 'string' },
      cron: { type: 'string' },
      'no-push': { type: 'boolean' },
      'dry-run': { type: 'boolean' },
      once: { type: 'boolean' },
    },
    strict: true,
  });
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
  if (values['bundle-key']) cfg.bundle_public_key = readFileSync(values['bundle-key'], 'utf8');
  return validate(AgentConfig, cfg, 'agent configuration');
}

export default async function run(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  let config: AgentConfig;
  try {
    config = configFromArgs(args);
  } catch (e) {
    process.stderr.write(`warden-agent run: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const agent = new SyncAgent(config, await createPipeline(config), jsonLog);
  if (args.includes('--once')) {
    try {
      // Enforcement needs no server: the cycle below enforces the last good bundle even when the
      // server refuses, impersonates or is away (its error is reported and the exit code is 1).
      await agent.prepare();
    } catch (e) {
      jsonLog('error', 'cannot start', { error: (e as Error).message });
      return 1;
    }
    const r = await agent.trigger('once');
    process.stdout.write(`${JSON.stringify({ bundle: r.bundle, decisions: r.decisions, events: r.events.length, queued: r.queued, error: r.error }, null, 2)}\n`);
    await agent.stop();
    return r.error ? 1 : 0;
  }
  try {
    await agent.start();
  } catch (e) {
    jsonLog('error', 'cannot start', { error: (e as Error).message });
    return 1;
  }
  jsonLog('info', 'agent running', { server: config.server, device_id: agent.deviceId });
  await new Promise<void>((done) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void agent.stop().then(done);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  jsonLog('info', 'agent stopped', {});
  return 0;
}
