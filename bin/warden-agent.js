#!/usr/bin/env node
// `warden-agent`: scan, enforce, run, quarantine, install-service. Loads only the agent (never the compiler).
// Runs the bundled build/warden-agent.mjs (plain node, no tsx: half the resident memory) when it is
// current (see current-bundle.js); otherwise, or with WARDEN_AGENT_FROM_SOURCE=1, runs
// agent/src/cli.ts through tsx.
import { currentBundle } from './current-bundle.js';

const bundle = process.env.WARDEN_AGENT_FROM_SOURCE === '1' ? null : currentBundle('warden-agent');
if (bundle) {
  await import(bundle.href); // the bundle's entry runs the CLI and sets process.exitCode
} else {
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import('../agent/src/cli.ts');
  process.exitCode = await main(process.argv.slice(2));
}
