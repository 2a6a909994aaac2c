#!/usr/bin/env node
// `warden-agent`: scan, enforce, run, quarantine, install-service. Loads only the agent (never the compiler).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../agent/src/cli.ts');
process.exitCode = await main(process.argv.slice(2));
