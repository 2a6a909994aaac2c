// Given a path that belongs to a tool (a PATH binary's link target), works
// out how the tool got there: an npm package folder (version from its package.json), a native
// versions folder (version = folder name), or unknown.
import { join } from 'node:path';
import type { CatalogTool } from '../../../wire/src/catalog.ts';
import type { Channel } from '../../../wire/src/inventory.ts';
import { cleanVersion, packageJson } from './manifests.ts';
import type { ScanFs } from './scanfs.ts';

export type Origin = { channel: Channel; version?: string; path: string; signal: string };

export function npmNames(tool: CatalogTool): string[] {
  const names = new Set<string>();
  for (const os of ['linux', 'darwin', 'win32'] as const) for (const s of tool.signatures[os]) if (s.detector === 'npm_package' && s.name) names.add(s.name);
  return [...names];
}

/** Does this path (with '/' separators) identify the tool by one of its argv anchors? */
function matchesAnchor(tool: CatalogTool, slashed: string): boolean {
  return tool.process.argv.some((a) => slashed.includes(a));
}

export function originOf(fs: ScanFs, tool: CatalogTool, hostPath: string): Origin | null {
  const slashed = hostPath.replace(/\\/g, '/');
  for (const pkg of npmNames(tool)) {
    const marker = `/node_modules/${pkg}/`;
    const i = (slashed + '/').indexOf(marker);
    if (i < 0) continue;
    const dir = slashed.slice(0, i + marker.length - 1);
    const pj = packageJson(fs, join(dir, 'package.json'));
    const o: Origin = { channel: 'npm', path: dir, signal: 'npm_package' };
    if (pj?.version) o.version = pj.version;
    return o;
  }
  const v = /^(.*\/versions)\/([^/]+)/.exec(slashed);
  if (v && matchesAnchorOrName(tool, slashed)) {
    const o: Origin = { channel: 'native', path: `${v[1]}/${v[2]}`, signal: 'version_dir' };
    const ver = cleanVersion(v[2]);
    if (ver) o.version = ver;
    return o;
  }
  return null;
}

function matchesAnchorOrName(tool: CatalogTool, slashed: string): boolean {
  if (matchesAnchor(tool, slashed)) return true;
  // ~/.local/share/claude/versions/<v>: the folder before 'versions' names the tool.
  const owner = /\/([^/]+)\/versions\/[^/]+/.exec(slashed)?.[1]?.toLowerCase();
  return !!owner && (tool.binaries.some((b) => b.toLowerCase() === owner) || tool.id === owner || tool.process.names.some((n) => n.toLowerCase() === owner));
}
