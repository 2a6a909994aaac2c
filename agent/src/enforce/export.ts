// `warden-agent configure --export`: where a tool reads its policy only from a configuration profile
// (macOS) or the registry (Windows) — VS Code's policies there — warden does not write them itself:
// it produces the artefact an MDM deploys, from the same ban list, so one policy still governs.
// macOS: a .mobileconfig (XML plist, built with the `plist` package); Windows: a .reg file and the
// same values as a PowerShell script. Values: strings and numbers as they are, booleans as
// true/false (1/0 in the registry), objects and arrays as JSON text (how VS Code reads object policies).
import { randomUUID } from 'node:crypto';
import { build as buildPlist, type PlistValue } from 'plist';
import type { BanList } from '../../../wire/src/banlist.ts';
import type { ManagedExport, ManagedSettingsData } from '../../../wire/src/managed-settings.ts';
import { ConfigureError, refusedSettings } from './configure.ts';

export interface Artefact {
  /** File name to write (no folders). */
  name: string;
  content: Buffer;
  tool: string;
  rule: string;
  keys: string[];
}

type Scalar = string | number | boolean;

function scalar(v: unknown): Scalar {
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  return JSON.stringify(v);
}

const safeName = (s: string): string => s.replace(/[^A-Za-z0-9._-]/g, '_');

export function mobileconfig(x: ManagedExport, values: Record<string, Scalar>, label: { tool: string; rule: string }, uuid: () => string = randomUUID): string {
  const id = `warden.${safeName(label.tool)}.${safeName(label.rule)}`;
  const profile = {
    PayloadType: 'Configuration',
    PayloadVersion: 1,
    PayloadIdentifier: id,
    PayloadUUID: uuid(),
    PayloadDisplayName: `warden: ${label.tool} (${label.rule})`,
    PayloadScope: 'System',
    PayloadContent: [{ PayloadType: x.target, PayloadVersion: 1, PayloadIdentifier: `${id}.${x.target}`, PayloadUUID: uuid(), PayloadDisplayName: x.target, ...values }],
  };
  return buildPlist(profile as unknown as PlistValue);
}

const regString = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

function regValue(v: Scalar): string {
  if (typeof v === 'boolean') return `dword:${v ? '00000001' : '00000000'}`;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff) return `dword:${v.toString(16).padStart(8, '0')}`;
  return regString(String(v));
}

/** A regedit 5.00 file: UTF-16LE with a byte-order mark, CRLF line ends, as regedit writes them. */
export function regFile(x: ManagedExport, values: Record<string, Scalar>): Buffer {
  const lines = ['Windows Registry Editor Version 5.00', '', `[HKEY_LOCAL_MACHINE\\${x.target}]`, ...Object.entries(values).map(([k, v]) => `${regString(k)}=${regValue(v)}`), ''];
  return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(lines.join('\r\n'), 'utf16le')]);
}

const psQuote = (s: string): string => `'${s.replace(/'/g, "''")}'`;

export function powershell(x: ManagedExport, values: Record<string, Scalar>): string {
  const key = `HKLM:\\${x.target}`;
  const lines = ['# Written by warden-agent configure --export; run elevated (or deploy as an MDM/Intune script).', `$key = ${psQuote(key)}`, 'New-Item -Path $key -Force | Out-Null'];
  for (const [k, v] of Object.entries(values)) {
    const dword = typeof v === 'boolean' || (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff);
    const value = typeof v === 'boolean' ? (v ? '1' : '0') : dword ? String(v) : psQuote(String(v));
    lines.push(`New-ItemProperty -Path $key -Name ${psQuote(k)} -Value ${value} -PropertyType ${dword ? 'DWord' : 'String'} -Force | Out-Null`);
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** Every artefact the ban list's configure rules produce for `os` (only tools whose data has an export there). */
export function exportArtefacts(list: BanList, data: ManagedSettingsData, os: 'darwin' | 'win32', uuid: () => string = randomUUID): Artefact[] {
  const out: Artefact[] = [];
  for (const rule of list.rules) {
    if (rule.action !== 'configure' || !rule.settings) continue;
    const refused = refusedSettings(rule.settings);
    if (refused.length) throw new ConfigureError(`rule '${rule.id}': refusing managed settings that could run commands: ${refused.join(', ')}`);
    for (const tool of rule.match.tools ?? []) {
      const t = data.tools.find((x) => x.tool === tool);
      for (const x of t?.exports.filter((e) => e.os === os) ?? []) {
        const file = t?.files.find((f) => f.id === x.file);
        const keys = file && file.keys !== 'rest' ? file.keys : [];
        const values: Record<string, Scalar> = {};
        for (const k of keys) if (k in rule.settings) values[k] = scalar(rule.settings[k]);
        if (Object.keys(values).length === 0) continue;
        const base = `${safeName(tool)}-${safeName(rule.id)}`;
        const label = { tool, rule: rule.id };
        if (x.kind === 'mobileconfig') out.push({ name: `${base}.mobileconfig`, content: Buffer.from(mobileconfig(x, values, label, uuid)), ...label, keys: Object.keys(values) });
        else {
          out.push({ name: `${base}.reg`, content: regFile(x, values), ...label, keys: Object.keys(values) });
          out.push({ name: `${base}.ps1`, content: Buffer.from(powershell(x, values)), ...label, keys: Object.keys(values) });
        }
      }
    }
  }
  return out;
}
