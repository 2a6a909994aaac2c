// `warden-agent run --server URL [--enroll-secret S] [--root DIR] [--state DIR] [--bundle-key FILE]
//   [--os linux|darwin|win32] [--cron EXPR] [--no-push] [--dry-run] [--watch] [--once]`
// Enrolls (first run), then keeps the fleet policy applied: scheduled and pushed check-ins, verified
// bundles, scan → decide → enforce, durable uploads. Logs are JSON lines on stderr.
// --once runs one cycle in this process (here); otherwise the resident daemon (daemon-command.ts, via
// run-entry.ts) runs, which runs each cycle in a short-lived child (cycle-command.ts).
import { AgentConfig } from '../../../wire/src/config.ts';
import { validate } from '../../../wire/src/validate.ts';
import { SyncAgent, jsonLog } from './sync-agent.ts';
import { createPipeline } from './pipeline.ts';
import { RUN_USAGE as USAGE, configObject } from './run-args.ts';

export function configFromArgs(args: string[], env: NodeJS.ProcessEnv = process.env): AgentConfig {
  return validate(AgentConfig, configObject(args, env), 'agent configuration');
}

export default async function run(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (!args.includes('--once')) return (await import('./run-entry.ts')).default(args);
  let config: AgentConfig;
  try {
    config = configFromArgs(args);
  } catch (e) {
    process.stderr.write(`warden-agent run: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const agent = new SyncAgent(config, await createPipeline(config), jsonLog);
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
