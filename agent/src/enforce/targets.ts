// What a quarantine moves: the finding's install evidence (package folder, binary, shim, version
// folder), each one proven (proof/install-proof.ts): the install location the catalog names for that
// tool, reached without a symlink, owned by the finding's user. Never traces (config, caches,
// history), never IT's managed settings, never a shared folder (bin/, node_modules/, a home, an nvm
// `versions/` root), never anything outside --root. Plus the npm bin links that point into a moved
// package, so no dangling `claude` command is left: those get the notice shim.
import { closeSync, fstatSync, lstatSync, readSync, readlinkSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Finding } from '../../../wire/src/inventory.ts';
import { UnsafePathError, withParent } from '../proof/anchored.ts';
import type { InstallProver } from '../proof/install-proof.ts';
import { isShimFile } from './shim.ts';
import { openRegularNoFollow } from './tree.ts';

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

/** Why a path must not be moved on its face (before any proof), or null. */
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

/** The package's bin names from its package.json (read without following a link; single names only). */
function binNames(pkgDir: string): string[] {
  let pkg: { bin?: unknown; name?: unknown };
  try {
    const fd = openRegularNoFollow(join(pkgDir, 'package.json'));
    try {
      const size = Math.min(fstatSync(fd).size, 1024 * 1024);
      const buf = Buffer.alloc(size);
      let off = 0;
      while (off < size) {
        const n = readSync(fd, buf, off, size - off, null);
        if (n === 0) break;
        off += n;
      }
      pkg = JSON.parse(buf.subarray(0, off).toString('utf8')) as { bin?: unknown; name?: unknown };
    } finally {
      closeSync(fd);
    }
  } catch {
    return [];
  }
  const names: string[] = [];
  if (typeof pkg.bin === 'string' && typeof pkg.name === 'string') names.push(pkg.name.split('/').pop() ?? pkg.name);
  else if (pkg.bin && typeof pkg.bin === 'object') names.push(...Object.keys(pkg.bin));
  // A bin name comes from a file the user may control: never a path.
  return names.filter((n) => n !== '' && n !== '.' && n !== '..' && !/[/\\]/.test(n));
}

/**
 * npm bin links (`<prefix>/bin/claude` → `../lib/node_modules/@anthropic-ai/claude-code/cli.js`) into
 * a proven package folder: each a symlink owned by the package's owner, reached without links, whose
 * target lies in the package.
 */
function npmBinLinks(pkgDir: string, prover: InstallProver, uid: number): string[] {
  const idx = pkgDir.lastIndexOf(`${sep}node_modules${sep}`);
  if (idx < 0) return [];
  const modulesParent = pkgDir.slice(0, idx); // <prefix>/lib (unix) or <prefix> (windows)
  const binDirs = [join(dirname(modulesParent), 'bin'), modulesParent];
  const out: string[] = [];
  for (const dir of binDirs) {
    for (const n of binNames(pkgDir)) {
      for (const candidate of [join(dir, n), join(dir, `${n}.cmd`)]) {
        if (!lexists(candidate)) continue;
        try {
          const ok = withParent(prover.root, candidate, { owners: new Set([0, prover.rootOwner, uid]) }, (d, name) => {
            const st = lstatSync(d.at(name));
            if (!st.isSymbolicLink() || st.uid !== uid) return false;
            const target = resolve(dirname(candidate), readlinkSync(d.at(name)));
            return target === pkgDir || inside(target, pkgDir);
          });
          if (ok) out.push(candidate);
        } catch (e) {
          if (!(e instanceof UnsafePathError)) throw e;
        }
      }
    }
  }
  return out;
}

export function quarantineTargets(f: Finding, prover: InstallProver, homes: string[]): QuarantineTargets {
  const root = prover.root;
  const refused: { path: string; reason: string }[] = [];
  const chosen = new Map<string, { signal: string; uid: number }>();
  for (const e of f.evidence) {
    if (!e.strong || NEVER_MOVE.has(e.signal) || chosen.has(e.path)) continue;
    if (!lexists(e.path)) continue;
    if (isShimFile(e.path)) continue; // our own notice shim from an earlier quarantine: leave it
    const why = refuseReason(e.path, root, homes);
    if (why) {
      refused.push({ path: e.path, reason: why });
      continue;
    }
    const proof = prover.prove(e.path, { tool: f.tool_id, user: f.user, exact: true });
    if (!proof.ok) {
      if (!refused.some((r) => r.path === e.path)) refused.push({ path: e.path, reason: proof.reason });
      continue;
    }
    chosen.set(e.path, { signal: e.signal, uid: proof.uid });
  }
  for (const [p, c] of [...chosen]) {
    for (const link of npmBinLinks(p, prover, c.uid)) if (!chosen.has(link) && !refuseReason(link, root, homes)) chosen.set(link, { signal: 'npm_bin_link', uid: c.uid });
  }
  // Keep only outermost paths: a folder's contents move with it.
  const all = [...chosen.keys()];
  const paths = all.filter((p) => !all.some((q) => q !== p && inside(p, q))).sort();
  const commands = paths.filter((p) => isCommand(p, chosen.get(p)?.signal ?? '') || chosen.get(p)?.signal === 'npm_bin_link');
  return { paths, commands, refused };
}
