// The tray app's view of the agent's notices. The notice files belong to the agent (often root) and
// are read-only to the employee, so the tray never writes them: which notices the employee dismissed
// is kept in the employee's own small file (readStatePath) and merged in when listing.
import { existsSync, readFileSync } from 'node:fs';
import { writeFileDurable } from '../../agent/src/enforce/durable.ts';
import { readViewNotices, type ViewDirs, type ViewNotice } from './agent-view.ts';

export type { ViewNotice };

// A dismissal is of one notice's text: when the agent escalates the same notice (warn → block) it is
// shown afresh, as the agent's own `read` flag does.
const key = (n: Pick<ViewNotice, 'id' | 'action'>): string => `${n.id}|${n.action}`;
const MAX_KEPT = 500; // notices live 30 days; old dismissals need not pile up

function dismissed(readStatePath: string): string[] {
  if (!existsSync(readStatePath)) return [];
  try {
    const v: unknown = JSON.parse(readFileSync(readStatePath, 'utf8'));
    const list = typeof v === 'object' && v !== null ? (v as { dismissed?: unknown }).dismissed : null;
    return Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return []; // a corrupt file only shows notices as unread again
  }
}

/** Newest first: what the employee most needs to see is what happened last. */
export function listNotices(dirs: ViewDirs, readStatePath: string): ViewNotice[] {
  const done = new Set(dismissed(readStatePath));
  return readViewNotices(dirs).map((n) => (done.has(key(n)) ? { ...n, read: true } : n));
}

/** Marks one notice read in the employee's own file; false when no notice has that id. */
export function markRead(dirs: ViewDirs, readStatePath: string, id: string): boolean {
  const hit = readViewNotices(dirs).find((n) => n.id === id);
  if (!hit) return false;
  const list = dismissed(readStatePath).filter((k) => k !== key(hit));
  list.push(key(hit));
  writeFileDurable(readStatePath, `${JSON.stringify({ dismissed: list.slice(-MAX_KEPT) }, null, 2)}\n`, 0o600);
  return true;
}
