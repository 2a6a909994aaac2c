// The inventory library API: scan a filesystem root (the real '/' on an endpoint) with the layout
// rules of one OS, and return the typed, validated inventory. Never executes a discovered file.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Catalog, LayoutOs } from '../../../wire/src/catalog.ts';
import { Inventory, INVENTORY_SCHEMA_VERSION } from '../../../wire/src/inventory.ts';
import { validateTrusted } from '../../../wire/src/validate-trusted.ts';
import { loadCatalog } from '../catalog/load.ts';
import { aggregate } from './aggregate.ts';
import { detectTool, type DetectContext } from './detectors.ts';
import type { Hit } from './hit.ts';
import { hostFacts } from './host.ts';
import { withoutNoticeShims } from './notice-shim.ts';
import { findHomes, Layout, type Home } from './layout.ts';
import { detectPathBinaries } from './path-binaries.ts';
import { InstallProver } from '../proof/install-proof.ts';
import { listProcesses, matchProcesses, type ProcFacts } from './processes.ts';
import { ScanFs, type ReadHook } from './scanfs.ts';
import { loadPlistParsers } from './manifests.ts';

export type ScanOptions = {
  /** Folder treated as the filesystem root. Default '/'. */
  root?: string;
  /** Which OS layout rules apply. Default: this host's. */
  os?: LayoutOs;
  /** Catalog to use (e.g. from the policy bundle). Default: the one shipped with the agent. */
  catalog?: Catalog;
  /** Look at running processes (default: only when scanning the real root), or a given list. */
  processes?: boolean | ProcFacts[];
  /** Read host facts with systeminformation (default: only when scanning the real root). */
  liveHost?: boolean;
  /** Called before each manifest read (tracing; tests use it to delete a file mid-scan). */
  onRead?: ReadHook;
};

export function hostOs(): LayoutOs {
  return process.platform === 'darwin' ? 'darwin' : process.platform === 'win32' ? 'win32' : 'linux';
}

function npmrcPrefix(fs: ScanFs, home: Home, os: LayoutOs): string | null {
  const buf = fs.readFile(join(home.dir, '.npmrc'), 64 * 1024);
  if (!buf) return null;
  const m = /^\s*prefix\s*=\s*(.+?)\s*$/m.exec(buf.toString('utf8'));
  if (!m) return null;
  let prefix = m[1]!.replace(/^["']|["']$/g, '').replace(/\\/g, '/');
  // Expand the home forms npm accepts; anything else is an endpoint path, read under the root.
  prefix = prefix.replace(/^(~|\$\{HOME\}|\$HOME|%USERPROFILE%)(?=\/|$)/, '\0');
  const base = prefix.startsWith('\0') ? join(home.dir, prefix.slice(1)) : fs.host(prefix.replace(/^[A-Za-z]:/, ''));
  return os === 'win32' ? join(base, 'node_modules') : join(base, 'lib', 'node_modules');
}

export async function scanInventory(opts: ScanOptions = {}): Promise<Inventory> {
  const started = Date.now();
  const t0 = performance.now();
  const root = opts.root ?? '/';
  const os = opts.os ?? hostOs();
  const catalog = opts.catalog ?? loadCatalog();
  const realRoot = root === '/';
  if (catalog.tools.some((t) => t.signatures[os].some((s) => s.detector === 'app_bundle'))) await loadPlistParsers();
  const fs = new ScanFs(root, opts.onRead);
  const layout = new Layout(fs, os, catalog);
  const homes = findHomes(fs, os);

  const npmMemo = new Map<string, string[]>();
  const ctx: DetectContext = {
    layout,
    npmRoots: (home) => {
      const key = home?.dir ?? '';
      let roots = npmMemo.get(key);
      if (!roots) {
        roots = [...layout.expand('<NPM_ROOT>', home)];
        const extra = home ? npmrcPrefix(fs, home, os) : null;
        if (extra && fs.isDir(extra) && !roots.includes(extra)) roots.push(extra);
        npmMemo.set(key, roots);
      }
      return roots;
    },
  };

  const hits: Hit[] = [];
  const livePath = realRoot && os === hostOs() ? (process.env.PATH ?? null) : null;
  for (const home of [null, ...homes]) {
    for (const tool of catalog.tools) hits.push(...detectTool(ctx, tool, home));
    hits.push(...detectPathBinaries(layout, home, livePath));
  }

  const procOpt = opts.processes ?? realRoot;
  // Processes are attributed only to installs proven under this root (a missing root holds none).
  if (procOpt && statSync(root, { throwIfNoEntry: false })?.isDirectory()) {
    const procs = Array.isArray(procOpt) ? procOpt : await listProcesses();
    hits.push(...matchProcesses(new InstallProver(root, os, catalog), procs));
  }

  // A quarantined command leaves warden's notice shim behind: that is not the tool, and reporting
  // it would keep the tool listed (and the employee notified) forever.
  const findings = aggregate(catalog, withoutNoticeShims(fs, hits));
  const host = await hostFacts(os, homes.map((h) => h.user), opts.liveHost ?? realRoot);
  const inv: Inventory = {
    schema_version: INVENTORY_SCHEMA_VERSION,
    scanned_at: new Date(started).toISOString(),
    duration_ms: Math.round((performance.now() - t0) * 10) / 10,
    root,
    catalog_version: catalog.catalog_version,
    host,
    findings,
    skipped: fs.skipped,
  };
  return validateTrusted(Inventory, inv, 'inventory');
}
