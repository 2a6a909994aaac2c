// `warden-agent run` (without --once): the resident daemon (daemon.ts). Reads the same flags as the
// in-process paths (run-args.ts) and checks them with the light validator — ajv stays out of the
// resident process; the cycle child validates everything again with the full one. Logs are JSON
// lines on stderr (the cycle children's too: they share it). SIGINT/SIGTERM stop it cleanly: the
// running cycle finishes (bounded by cycle_timeout_ms), the upload queue stays on disk.
import { setFlagsFromString } from 'node:v8';
import { AgentConfig } from '../../../wire/src/config.ts';
import { checkLight } from '../../../wire/src/validate-light.ts';
import { AgentDaemon, type CycleCommand } from './daemon.ts';
import { RUN_USAGE, configObject } from './run-args.ts';
import type { LogFn } from './sync-agent.ts';

const jsonLog: LogFn = (level, msg, fields) => {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })}\n`);
};

/**
 * Runs the daemon until SIGINT/SIGTERM. `entry` is the agent's own file the cycle child runs (the
 * installed bundle beside the daemon's, or the bin in the sources fallback); `env` what the child needs
 * on top of the daemon's environment to run it the same way.
 */
export async function runDaemon(args: string[], entry: string, env: Record<string, string> = {}): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(RUN_USAGE);
    return 0;
  }
  let cfg: Record<string, unknown>;
  try {
    cfg = configObject(args);
    const issues = checkLight(AgentConfig, cfg);
    if (issues.length) throw new Error(`invalid agent configuration: ${issues.slice(0, 5).join('; ')}`);
  } catch (e) {
    process.stderr.write(`warden-agent run: ${(e as Error).message}\n${RUN_USAGE}`);
    return 2;
  }
  const config = cfg as AgentConfig;
  // The daemon's hot code is the watch's poll (a few hundred µs every 500 ms): V8's optimizing
  // compiler gains nothing there and its code pages cost ~4 MB of RSS (bench/agent-idle.ts). For a
  // daemon started without the service's --lite-mode (which does more); this process only — the
  // cycle child (WASM evaluation, the scan) keeps every tier.
  setFlagsFromString('--no-opt');
  const command: CycleCommand = { node: process.execPath, execArgv: process.execArgv, entry, runArgs: args, env };
  const daemon = new AgentDaemon(
    {
      server: config.server,
      state_dir: config.state_dir,
      push: config.push,
      backoff_min_ms: config.backoff_min_ms,
      backoff_max_ms: config.backoff_max_ms,
      cycle_timeout_ms: config.cycle_timeout_ms,
      watch: !config.dry_run && (config.process_watch ?? !config.root), // pipeline.ts watchEnabled
    },
    command,
    jsonLog,
  );
  // Signals during the first cycle stop the agent once it ends.
  let stopRequested = false;
  let wake: () => void = () => undefined;
  const stopped = new Promise<void>((r) => (wake = r));
  const stop = (): void => {
    stopRequested = true;
    wake();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const fatal = await daemon.start();
  if (fatal) {
    jsonLog('error', 'cannot start', { error: fatal });
    return 1;
  }
  jsonLog('info', 'agent running', { server: config.server, pid: process.pid, watch: daemon.watching !== null, cycle: entry });
  if (!stopRequested) await stopped;
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  await daemon.stop();
  jsonLog('info', 'agent stopped', {});
  return 0;
}
