// The tray's logic, as plain functions the Electron shell (tray-app/electron/main.ts) only renders:
// the icon state and tooltip from what the agent decided, the menu of recent notices, and which
// notices become desktop notifications (each once; warnings can be silenced per tool, blocks and
// quarantines never). Unit-tested without Electron (test/tray-app/tray-model.test.ts).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileDurable } from '../../agent/src/enforce/durable.ts';
import type { ViewNotice, ViewReport } from './agent-view.ts';

export type TrayState = 'compliant' | 'warning' | 'blocked';

const BLOCKING = new Set(['block', 'quarantine']);
const WARNING = new Set(['warn']);

const nameOf = (n: Pick<ViewNotice, 'tool' | 'name'>, names: Map<string, string>): string => names.get(n.tool) ?? n.name ?? n.tool;

export function toolNames(report: ViewReport | null): Map<string, string> {
  return new Map((report?.findings ?? []).map((f) => [f.tool_id, f.name]));
}

export interface TrayStatus {
  state: TrayState;
  tooltip: string;
  /** Tools behind the state, display names, sorted. */
  tools: string[];
}

/**
 * The icon's state. From the agent's current decisions when it has reported (a tool blocked last
 * week and since removed no longer makes the icon red); from today's notices before its first report.
 */
export function trayStatus(report: ViewReport | null, notices: ViewNotice[], now: Date = new Date()): TrayStatus {
  const names = toolNames(report);
  for (const n of notices) if (n.name && !names.has(n.tool)) names.set(n.tool, n.name);
  const live = report
    ? report.decisions.filter((d) => !d.monitor).map((d) => ({ tool: d.tool, action: d.action, grace_until: d.grace_until }))
    : notices.filter((n) => n.day === now.toISOString().slice(0, 10)).map((n) => ({ tool: n.tool, action: n.action, grace_until: n.grace_until }));
  const pick = (set: Set<string>) => [...new Set(live.filter((d) => set.has(d.action)).map((d) => names.get(d.tool) ?? d.tool))].sort();
  const blocked = pick(BLOCKING);
  if (blocked.length) return { state: 'blocked', tools: blocked, tooltip: `warden: ${blocked.join(', ')} ${blocked.length === 1 ? 'is' : 'are'} blocked on this computer` };
  const warned = pick(WARNING);
  if (warned.length) {
    const until = live.filter((d) => WARNING.has(d.action) && d.grace_until).map((d) => d.grace_until as string).sort()[0];
    const when = until ? ` after ${until.slice(0, 10)}` : '';
    return { state: 'warning', tools: warned, tooltip: `warden: ${warned.join(', ')} will be blocked${when}` };
  }
  return { state: 'compliant', tools: [], tooltip: 'warden: every AI tool here is allowed' };
}

export const ACTION_LABEL: Record<string, string> = {
  block: 'Blocked',
  quarantine: 'Removed',
  warn: 'Warning',
  notify: 'Notice',
  observe: 'Observed',
  configure: 'Managed settings',
  allow: 'Allowed',
};

export type MenuItem =
  | { kind: 'notice'; id: string; label: string; unread: boolean }
  | { kind: 'separator' }
  | { kind: 'open'; view: 'notices' | 'requests' | 'checks'; label: string }
  | { kind: 'status'; label: string }
  | { kind: 'quit'; label: string };

/** The tray menu: the state, the most recent notices (newest first), the pages, quit. */
export function menuModel(status: TrayStatus, notices: ViewNotice[], report: ViewReport | null, max = 5): MenuItem[] {
  const names = toolNames(report);
  const recent = notices.slice(0, max).map((n): MenuItem => ({ kind: 'notice', id: n.id, unread: !n.read, label: `${ACTION_LABEL[n.action] ?? n.action}: ${nameOf(n, names)} (${n.day})` }));
  return [
    { kind: 'status', label: status.tooltip.replace(/^warden: /, '') },
    { kind: 'separator' },
    ...(recent.length ? recent : [{ kind: 'status', label: 'No notices' } as MenuItem]),
    ...(notices.length > max ? [{ kind: 'open', view: 'notices', label: `All notices (${notices.length})…` } as MenuItem] : []),
    { kind: 'separator' },
    { kind: 'open', view: 'notices', label: 'Open warden' },
    { kind: 'open', view: 'requests', label: 'My exception requests' },
    { kind: 'open', view: 'checks', label: 'What warden checks' },
    { kind: 'separator' },
    { kind: 'quit', label: 'Quit' },
  ];
}

/** What the shell remembers between runs: which notices it already showed, which tools are silenced. */
export interface NotifyMemory {
  notified: string[];
  silenced: string[];
}

export interface DesktopNotification {
  key: string;
  noticeId: string;
  title: string;
  body: string;
  /** Blocks and quarantines: shown until the employee acts, never silenced. */
  urgent: boolean;
}

const NOTIFY = new Set(['block', 'quarantine', 'warn']);
const MAX_REMEMBERED = 1000;
const STALE_MS = 24 * 3600_000;

/** One notification per notice record (tool, user, day) and action: an escalation notifies again. */
export const notifyKey = (n: Pick<ViewNotice, 'id' | 'action'>): string => `${n.id}|${n.action}`;

/**
 * Which notices to show now, and the memory after showing them. Dismissed notices are not shown;
 * warnings about a silenced tool are remembered as shown without being shown; blocks and quarantines
 * are always shown once, silenced or not.
 */
export function notificationsFor(notices: ViewNotice[], memory: NotifyMemory, report: ViewReport | null, now: Date = new Date()): { show: DesktopNotification[]; memory: NotifyMemory } {
  const names = toolNames(report);
  const done = new Set(memory.notified);
  const silenced = new Set(memory.silenced);
  const show: DesktopNotification[] = [];
  const added: string[] = [];
  // Oldest first, so that several at once arrive in the order they happened.
  for (const n of [...notices].reverse()) {
    // Old news (a tray started after a week away) stays in the menu and the window, not on the desktop.
    if (!NOTIFY.has(n.action) || n.read || now.getTime() - Date.parse(n.last_seen) > STALE_MS) continue;
    const key = notifyKey(n);
    if (done.has(key)) continue;
    done.add(key);
    added.push(key);
    const urgent = BLOCKING.has(n.action);
    if (!urgent && silenced.has(n.tool)) continue;
    const name = nameOf(n, names);
    const title = n.action === 'quarantine' ? `${name} was removed` : n.action === 'block' ? `${name} was blocked` : `${name} will be blocked`;
    const alt = n.alternative ? ` Use ${n.alternative} instead.` : '';
    const msg = n.message === '' || /[.!?]$/.test(n.message) ? n.message : `${n.message}.`;
    show.push({ key, noticeId: n.id, title, body: `${msg}${alt}`.trim(), urgent });
  }
  return { show, memory: { notified: [...memory.notified, ...added].slice(-MAX_REMEMBERED), silenced: memory.silenced } };
}

/** Silences (or un-silences) warnings about one tool. Blocks cannot be silenced: there is no such call. */
export function silence(memory: NotifyMemory, tool: string, on: boolean): NotifyMemory {
  const rest = memory.silenced.filter((t) => t !== tool);
  return { ...memory, silenced: on ? [...rest, tool].sort() : rest };
}

const memoryPath = (trayStateDir: string): string => join(trayStateDir, 'notifications.json');

export function loadMemory(trayStateDir: string): NotifyMemory {
  const p = memoryPath(trayStateDir);
  if (!existsSync(p)) return { notified: [], silenced: [] };
  try {
    const v = JSON.parse(readFileSync(p, 'utf8')) as Partial<NotifyMemory>;
    const strings = (x: unknown): string[] => (Array.isArray(x) ? x.filter((s): s is string => typeof s === 'string') : []);
    return { notified: strings(v.notified), silenced: strings(v.silenced) };
  } catch {
    return { notified: [], silenced: [] }; // a corrupt file only shows notifications once more
  }
}

export function saveMemory(trayStateDir: string, m: NotifyMemory): void {
  writeFileDurable(memoryPath(trayStateDir), `${JSON.stringify(m)}\n`, 0o600);
}
