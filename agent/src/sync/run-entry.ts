// `warden-agent run`: --once (and --help) run in this process (run-command.ts); otherwise the resident
// daemon (daemon-command.ts). Kept apart so the daemon never loads the cycle's modules: under the
// service's --lite-mode (no WebAssembly) axios' import alone would fail, and they would stay resident.
import { realpathSync } from 'node:fs';

export default async function run(args: string[]): Promise<number> {
  if (args.includes('--once') || args.includes('--help') || args.includes('-h')) return (await import('./run-command.ts')).default(args);
  // The cycle child runs the file this process was started with (bin/warden-agent.js or the bundle).
  const { runDaemon } = await import('./daemon-command.ts');
  return runDaemon(args, realpathSync(process.argv[1] ?? ''));
}
