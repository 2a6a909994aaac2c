// What the tray shows, read from the agent's public files (paths.ts): this employee's notices and
// report merged with the machine-wide ones, plus the company branding. Every file is validated; a
// missing, unreadable or half-written file reads as empty, never as an error page.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { TSchema, Static } from '@sinclair/typebox';
import { NoticeFile, type Notice } from '../../agent/src/enforce/notices.ts';
import { PUBLIC_FILES } from '../../agent/src/enforce/state.ts';
import { Branding } from '../../wire/src/banlist.ts';
import { AgentSyncStatus, PublicReport } from '../../wire/src/public-state.ts';
import type { Decision } from '../../wire/src/decision.ts';
import type { Finding } from '../../wire/src/inventory.ts';
import { check } from '../../wire/src/validate.ts';

/** Bigger files than this are not the agent's: refused rather than read into memory. */
const MAX_FILE_BYTES = 16 * 1024 * 1024;

export interface ViewDirs {
  userDir: string;
  machineDir: string;
}

export interface ViewNotice extends Notice {
  /** 'user': about this employee's own install; 'machine': a machine-wide install. */
  scope: 'user' | 'machine';
}

export interface ViewReport {
  scanned_at: string;
  bundle_revision: string;
  host: PublicReport['host'];
  users: string[];
  findings: Finding[];
  decisions: Decision[];
}

export function readJson<S extends TSchema>(path: string, schema: S): Static<S> | null {
  try {
    if (statSync(path).size > MAX_FILE_BYTES) return null;
    const v: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return check(schema, v).length === 0 ? (v as Static<S>) : null;
  } catch {
    return null;
  }
}

/** This employee's notices and the machine-wide ones, newest first. */
export function readViewNotices(dirs: ViewDirs): ViewNotice[] {
  const own = readJson(join(dirs.userDir, PUBLIC_FILES.notices), NoticeFile)?.notices ?? [];
  const machine = readJson(join(dirs.machineDir, PUBLIC_FILES.notices), NoticeFile)?.notices ?? [];
  return [...own.map((n) => ({ ...n, scope: 'user' as const })), ...machine.map((n) => ({ ...n, scope: 'machine' as const }))].sort((a, b) => b.last_seen.localeCompare(a.last_seen));
}

/** The report as it concerns this employee: their findings and the machine-wide ones. */
export function readViewReport(dirs: ViewDirs): ViewReport | null {
  const own = readJson(join(dirs.userDir, PUBLIC_FILES.report), PublicReport);
  const machine = readJson(join(dirs.machineDir, PUBLIC_FILES.report), PublicReport);
  const newest = [own, machine].filter((r): r is PublicReport => r !== null).sort((a, b) => b.scanned_at.localeCompare(a.scanned_at))[0];
  if (!newest) return null;
  return {
    scanned_at: newest.scanned_at,
    bundle_revision: newest.bundle_revision,
    host: newest.host,
    users: own?.users ?? [],
    findings: [...(own?.findings ?? []), ...(machine?.findings ?? [])],
    decisions: [...(own?.decisions ?? []), ...(machine?.decisions ?? [])],
  };
}

/** How the agent stands with its server (machine-wide), or null before it wrote one. */
export function readSyncStatus(dirs: ViewDirs): AgentSyncStatus | null {
  return readJson(join(dirs.machineDir, PUBLIC_FILES.syncStatus), AgentSyncStatus);
}

export function readBranding(dirs: ViewDirs): Branding | null {
  return readJson(join(dirs.machineDir, PUBLIC_FILES.branding), Branding);
}
