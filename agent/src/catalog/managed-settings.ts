// Loads the managed-settings facts (policies/data/managed-settings.json, schema
// wire/src/managed-settings.ts): the copy shipped with the agent, or the one in a verified bundle's
// data (`data.managed_settings`) so facts update without an agent release. A bundle may change keys,
// bypass signals and sources, but never WHERE the agent writes: every file path it names for a tool
// and OS must be one the shipped data names too, else the bundle's facts are not used (problem
// returned). A signed bundle carries data, never a new place to write as root.
import { readFileSync } from 'node:fs';
import { ManagedSettingsData, type ManagedTool } from '../../../wire/src/managed-settings.ts';
import { validate } from '../../../wire/src/validate.ts';
import { installPath } from '../../../wire/src/install-root.ts';
import type { LayoutOs } from '../../../wire/src/catalog.ts';

export const DEFAULT_MANAGED_SETTINGS_PATH = installPath('policies/data/managed-settings.json');

let cached: ManagedSettingsData | null = null;

export function parseManagedSettings(value: unknown, what = 'managed-settings data'): ManagedSettingsData {
  const d = validate(ManagedSettingsData, value, what);
  const tools = new Set<string>();
  for (const t of d.tools) {
    if (tools.has(t.tool)) throw new Error(`invalid ${what}: tool '${t.tool}' listed twice`);
    tools.add(t.tool);
    const ids = new Set<string>();
    let rest = 0;
    const claimed = new Set<string>();
    for (const f of t.files) {
      if (ids.has(f.id)) throw new Error(`invalid ${what}: ${t.tool} names file '${f.id}' twice`);
      ids.add(f.id);
      if (f.keys === 'rest') rest++;
      else
        for (const k of f.keys) {
          if (claimed.has(k)) throw new Error(`invalid ${what}: ${t.tool} routes key '${k}' to two files`);
          claimed.add(k);
        }
    }
    if (rest > 1) throw new Error(`invalid ${what}: ${t.tool} has more than one 'rest' file`);
    for (const x of t.exports) if (!ids.has(x.file)) throw new Error(`invalid ${what}: ${t.tool} exports unknown file '${x.file}'`);
  }
  return d;
}

export function loadManagedSettings(path = DEFAULT_MANAGED_SETTINGS_PATH): ManagedSettingsData {
  if (path === DEFAULT_MANAGED_SETTINGS_PATH && cached) return cached;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`cannot read managed-settings data ${path}: ${(e as Error).message}`);
  }
  const d = parseManagedSettings(raw, `managed-settings data ${path}`);
  if (path === DEFAULT_MANAGED_SETTINGS_PATH) cached = d;
  return d;
}

const OSES: LayoutOs[] = ['linux', 'darwin', 'win32'];

/** Every (tool, os) → file path the data names. */
function writePaths(d: ManagedSettingsData): Set<string> {
  const out = new Set<string>();
  for (const t of d.tools) for (const f of t.files) for (const os of OSES) if (f.paths[os]) out.add(`${t.tool}\0${os}\0${f.paths[os]}`);
  return out;
}

export type ManagedSettingsChoice = { data: ManagedSettingsData; source: 'bundle' | 'shipped'; problem?: string };

export function managedSettingsFromBundleData(data: Record<string, unknown> | null | undefined, shipped: () => ManagedSettingsData = loadManagedSettings): ManagedSettingsChoice {
  const raw = data?.managed_settings;
  if (raw === undefined) return { data: shipped(), source: 'shipped' };
  try {
    const d = parseManagedSettings(raw, 'bundle data.managed_settings');
    const allowed = writePaths(shipped());
    const foreign = [...writePaths(d)].filter((p) => !allowed.has(p)).map((p) => p.split('\0').join(' '));
    if (foreign.length) throw new Error(`bundle data.managed_settings names write locations the agent does not ship: ${foreign.slice(0, 3).join('; ')}`);
    return { data: d, source: 'bundle' };
  } catch (e) {
    return { data: shipped(), source: 'shipped', problem: (e as Error).message };
  }
}

export function managedTool(d: ManagedSettingsData, tool: string): ManagedTool | undefined {
  return d.tools.find((t) => t.tool === tool);
}
