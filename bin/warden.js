#!/usr/bin/env node
// `warden`: policy build / eval / test, server, admin helpers, demo.
// Runs build/warden.mjs (our TypeScript bundled by esbuild, dependencies loaded from node_modules
// by plain node) when it is current (see current-bundle.js): under tsx's loader, importing binaryen
// (a 15 MB module) alone takes ~6 s instead of ~0.4 s. Otherwise, or with WARDEN_FROM_SOURCE=1,
// runs cli/warden.ts through tsx.
import { currentBundle } from './current-bundle.js';

const bundle = process.env.WARDEN_FROM_SOURCE === '1' ? null : currentBundle('warden');
if (bundle) {
  await import(bundle.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import('../cli/warden.ts');
  process.exitCode = await main(process.argv.slice(2));
}
