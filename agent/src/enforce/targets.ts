// What a quarantine moves: the finding's install evidence (package folder, binary, shim, version
// folder), never traces (config, caches, history), never IT's managed settings, never a shared folder
// (bin/, node_modules/, a home), never anything outside --root. Plus the npm bin links that point into
// a moved package, so no dangling `claude` command is left: those get the notice shim.
import { lstatSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Finding } from '../../../wire/src/inventory.ts';
import { isShimFile } from './shim.ts';

/** Evidence signals that never name an install to move. */
const NEVER_MOVE = new Set(['process', 'managed_policy', 'mcp_config', 'config_file', 'config_dir', 'cache_dir', 'state_dir', 'data_dir', 'log_dir']);
/** Folders shared with other software: moving one would break more than the banned tool. */
const SHARED_NAMES = new Set([
  'bin', 'sbin', '.bin', 'lib', 'lib64', 'libexec', 'node_modules', 'site-packages', 'dist-packages', 'usr', 'local', 'opt', 'etc', 'var',
  'home', 'Users', 'share', '.local', 'Applications', 'Library', 'Program Files', 'Program Files (x86)', 'ProgramData', 'AppData', 'Roaming',
  'extensions', 'plugins', 'Caskroom', 'Cellar', 'versions', 'tmp',
]);

export interface QuarantineTargets {
  paths: string[];
  commands: string[];
  refused: { path: string; reason: string }[];
}

function lexists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

function inside(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/** Why a path must not be moved, or null when it may. */
export function refuseReason(path: string, root: string, homes: string[]): string | null {
  const abs = resolve(path);
  const r = resolve(root);
  if (abs !== path.replace(/\/+$/, '')) return 'not an absolute normalised path';
  if (r !== sep && !inside(abs, r)) return `outside the scan root ${r}`;
  const depth = relative(r, abs).split(sep).filter(Boolean).length;
  if (depth < 2) return 'too close to the file-system root';
  if (SHARED_NAMES.has(basename(abs))) return `'${basename(abs)}' is a shared folder`;
  if (homes.some((h) => resolve(h) === abs)) return 'a home folder';
  return null;
}

function isCommand(path: string, signal: string): boolean {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return false;
  }
  if (st.isDirectory()) return false;
  const parent = basename(dirname(path));
  return parent === 'bin' || parent === '.bin' || parent === 'sbin' || signal.includes('shim') || signal === 'path_binary' || /\.(cmd|ps1)$/i.test(path);
}

/** npm bin links (`<prefix>/bin/claude` → `../lib/node_modules/@anthropic-ai/claude-code/cli.js`) into a package folder. */
function npmBinLinks(pkgDir: string): string[] {
  let bin: unknown;
  let name: unknown;
  try {
    const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { bin?: unknown; name?: unknown };
    bin = pkg.bin;
    name = pkg.name;
  } catch {
    return [];
  }
  const names: string[] = [];
  if (typeof bin === 'string' && typeof name === 'string') names.push(name.split('/').pop() ?? name);
  else if (bin && typeof bin === 'object') names.push(...Object.keys(bin));
  const idx = pkgDir.lastIndexOf(`${sep}node_modules${sep}`);
  if (idx < 0) return [];
  const modulesParent = pkgDir.slice(0, idx); // <prefix>/lib (unix) or <prefix> (windows)
  const binDirs = [join(dirname(modulesParent), 'bin'), modulesParent];
  const out: string[] = [];
  let realPkg: string;
  try {
    realPkg = realpathSync(pkgDir);
  } catch {
    return [];
  }
  for (const dir of binDirs) {
    for (const n of names) {
      for (const candidate of [join(dir, n), join(dir, `${n}.cmd`)]) {
        try {
          if (!lstatSync(candidate).isSymbolicLink()) continue;
          const target = resolve(dirname(candidate), readlinkSync(candidate));
          if (target === realPkg || inside(target, realPkg) || target === pkgDir || inside(target, pkgDir)) out.push(candidate);
        } catch {
          // absent
        }
      }
    }
  }
  return out;
}

export function quarantineTargets(f: Finding, root: string, homes: string[]): QuarantineTargets {
  const refused: { path: string; reason: string }[] = [];
  const chosen = new Map<string, string>(); // path → signal
  for (const e of f.evidence) {
    if (!e.strong || NEVER_MOVE.has(e.signal)) continue;
    if (!lexists(e.path)) continue;
    if (isShimFile(e.path)) continue; // our own notice shim from an earlier quarantine: leave it
    const why = refuseReason(e.path, root, homes);
    if (why) {
      refused.push({ path: e.path, reason: why });
      continue;
    }
    chosen.set(e.path, e.signal);
  }
  for (const [p] of [...chosen]) {
    for (const link of npmBinLinks(p)) if (!chosen.has(link) && !refuseReason(link, root, homes)) chosen.set(link, 'npm_bin_link');
  }
  // Keep only outermost paths: a folder's contents move with it.
  const all = [...chosen.keys()];
  const paths = all.filter((p) => !all.some((q) => q !== p && inside(p, q))).sort();
  const commands = paths.filter((p) => isCommand(p, chosen.get(p) ?? '') || chosen.get(p) === 'npm_bin_link');
  return { paths, commands, refused };
}
