#!/usr/bin/env node
// `warden-agent`: scan, enforce, run, quarantine, install-service. Loads only the agent (never the compiler).
// Runs the bundled build/warden-agent.mjs (plain node, no tsx: half the resident memory) when it
// exists and none of its sources changed since it was built (`npm run build` makes it); otherwise,
// or with WARDEN_AGENT_FROM_SOURCE=1, runs agent/src/cli.ts through tsx.
import { readFileSync, statSync } from 'node:fs';

const bundle = new URL('../build/warden-agent.mjs', import.meta.url);

function bundleIsCurrent() {
  let built;
  try {
    built = statSync(bundle).mtimeMs;
  } catch {
    return false;
  }
  let sources;
  try {
    sources = JSON.parse(readFileSync(new URL('../build/warden-agent.inputs.json', import.meta.url), 'utf8'));
  } catch {
    return true; // an install shipped without the input list (or the sources): the bundle is all there is
  }
  for (const rel of Array.isArray(sources) ? sources : []) {
    try {
      if (statSync(new URL(`../${rel}`, import.meta.url)).mtimeMs > built) return false; // edited after the build
    } catch {
      // source not shipped: nothing newer than the bundle
    }
  }
  return true;
}

if (process.env.WARDEN_AGENT_FROM_SOURCE !== '1' && bundleIsCurrent()) {
  await import(bundle.href); // the bundle's entry runs the CLI and sets process.exitCode
} else {
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import('../agent/src/cli.ts');
  process.exitCode = await main(process.argv.slice(2));
}
