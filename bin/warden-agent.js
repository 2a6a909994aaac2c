#!/usr/bin/env node
// `warden-agent`: scan, enforce, run, quarantine, install-service. Loads only the agent (never the compiler).
// Runs the bundled build/warden-agent.mjs (plain node, no tsx: half the resident memory) when it is
// current (see current-bundle.js); otherwise, or with WARDEN_AGENT_FROM_SOURCE=1, runs
// agent/src/cli.ts through tsx. `run` (the service) starts the small daemon bundle,
// build/warden-agentd.mjs, which runs each cycle as `node build/warden-agent.mjs __cycle …`.
import { currentBundle } from './current-bundle.js';

const fromSource = process.env.WARDEN_AGENT_FROM_SOURCE === '1';
const bundle = fromSource ? null : currentBundle('warden-agent');
const args = process.argv.slice(2);
const daemon = bundle && args[0] === 'run' && !args.includes('--once') ? currentBundle('warden-agentd') : null;
if (daemon) {
  await import(daemon.href); // runs the daemon and sets process.exitCode
} else if (bundle) {
  await import(bundle.href); // the bundle's entry runs the CLI and sets process.exitCode
} else {
  // The sources: a cycle child of `run` runs this same file, with WARDEN_AGENT_FROM_SOURCE=1 inherited.
  process.env.WARDEN_AGENT_FROM_SOURCE = '1';
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import('../agent/src/cli.ts');
  process.exitCode = await main(args);
}
