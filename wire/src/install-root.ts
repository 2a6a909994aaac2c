// The warden install root (the folder holding bin/, policies/ and build/). Both commands run from two
// places — their TypeScript sources under tsx, and the bundles build/warden-agent.mjs and
// build/warden.mjs — so paths to shipped files (the catalog, policies/, build/runtime.wasm,
// bin/warden-agent.js) cannot be fixed offsets from import.meta.url; they are resolved from this
// root, found by walking up to the folder with bin/warden-agent.js.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export function findInstallRoot(from: string): string | null {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'bin', 'warden-agent.js')) && existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return null;
  }
}

const here = dirname(fileURLToPath(import.meta.url));
// Not found (a copied-out bundle): the source layout's root, so a missing file is reported by path.
export const INSTALL_ROOT = findInstallRoot(here) ?? resolve(here, '..', '..');

/** Absolute path of a file shipped with warden, e.g. installPath('policies/data/catalog.json'). */
export const installPath = (rel: string): string => join(INSTALL_ROOT, rel);
