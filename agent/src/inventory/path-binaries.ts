// Binaries on PATH, matched by name. A match that is a link into an npm package or a versions
// folder says how the tool was installed and which version; otherwise it is a 'path_binary'.
import { delimiter, join } from 'node:path';
import type { Catalog, CatalogTool } from '../../../wire/src/catalog.ts';
import type { Hit } from './hit.ts';
import type { Home, Layout } from './layout.ts';
import { originOf } from './resolve-origin.ts';

function nameIndex(catalog: Catalog, os: string): Map<string, CatalogTool> {
  const idx = new Map<string, CatalogTool>();
  for (const t of catalog.tools) {
    for (const b of t.binaries) {
      const isWin = /\.(exe|cmd)$/i.test(b);
      if (os === 'win32') {
        for (const n of isWin ? [b] : [`${b}.exe`, `${b}.cmd`]) idx.set(n.toLowerCase(), t);
      } else if (!isWin) idx.set(b, t);
    }
  }
  return idx;
}

/** PATH folders: the catalog's per-OS list, plus the live $PATH when scanning this very host. */
export function pathDirs(layout: Layout, home: Home | null, livePath: string | null): string[] {
  const out: string[] = [];
  for (const d of layout.catalog.path_dirs[layout.os]) {
    if (d.startsWith('~') !== (home !== null)) continue;
    for (const p of layout.expand(d, home)) if (!out.includes(p)) out.push(p);
  }
  if (home === null && livePath) for (const d of livePath.split(delimiter)) if (d && !out.includes(d) && layout.fs.isDir(d)) out.push(d);
  return out;
}

export function detectPathBinaries(layout: Layout, home: Home | null, livePath: string | null): Hit[] {
  const idx = nameIndex(layout.catalog, layout.os);
  const hits: Hit[] = [];
  const fs = layout.fs;
  for (const dir of pathDirs(layout, home, livePath)) {
    for (const e of fs.list(dir) ?? []) {
      const tool = idx.get(layout.os === 'win32' ? e.name.toLowerCase() : e.name);
      if (!tool || e.isDirectory()) continue;
      const p = join(dir, e.name);
      const hit: Hit = { tool: tool.id, user: home?.user ?? null, channel: 'path_binary', signal: 'path_binary', path: p, strong: true };
      if (e.isSymbolicLink()) {
        const r = fs.resolveLink(p);
        if (!r) continue;
        if (r.dangling) {
          hit.strong = false;
          hit.detail = 'dangling symlink';
        } else {
          hit.detail = `symlink to ${r.target}`;
          const o = originOf(fs, tool, r.target);
          if (o) {
            hit.channel = o.channel;
            if (o.version) hit.version = o.version;
          }
        }
      }
      hits.push(hit);
    }
  }
  return hits;
}
