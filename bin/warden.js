#!/usr/bin/env node
// `warden`: policy build / eval / test, server, admin helpers. Sources are TypeScript run through tsx.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/warden.ts');
process.exitCode = await main(process.argv.slice(2));
