// Notices for the employee: what the tray app shows ("Claude Code is banned; use Qoder"). One record
// per tool, user and day: a decision that repeats every check-in updates the record instead of adding
// one. This file is the agent's private record; public-state.ts gives each employee the notices about
// their own installs (and everyone the machine-wide ones).
import { existsSync, readFileSync } from 'node:fs';
import { Type, type Static } from '@sinclair/typebox';
import type { Decision } from '../../../wire/src/decision.ts';
import type { Finding } from '../../../wire/src/inventory.ts';
import { check } from '../../../wire/src/validate.ts';
import { writeFileDurable } from './durable.ts';

/** One install a notice is about, and what enforcement did to it. */
export const NoticeInstall = Type.Object(
  {
    finding: Type.String(),
    channel: Type.String(),
    version: Type.Union([Type.String(), Type.Null()]),
    paths: Type.Array(Type.String()),
    /** Vault id when the install was quarantined (IT restores it with `warden-agent quarantine restore`). */
    quarantine_id: Type.Union([Type.String(), Type.Null()]),
    /** Processes of the tool stopped by this decision. */
    stopped: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type NoticeInstall = Static<typeof NoticeInstall>;

export const Notice = Type.Object(
  {
    id: Type.String({ description: 'tool:day (machine-wide) or tool:user:day' }),
    tool: Type.String(),
    day: Type.String({ description: 'UTC day YYYY-MM-DD' }),
    action: Type.String({ description: 'notify, warn, block, quarantine' }),
    message: Type.String(),
    alternative: Type.String(),
    grace_until: Type.Union([Type.String(), Type.Null()]),
    rule: Type.String(),
    bundle_revision: Type.String(),
    first_seen: Type.String({ format: 'date-time' }),
    last_seen: Type.String({ format: 'date-time' }),
    count: Type.Integer({ minimum: 1 }),
    read: Type.Boolean({ description: 'unread again when the action changes (warn → block)' }),
    // Absent in records of earlier agent versions (then the notice counts as machine-wide).
    user: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: "the finding's user, null for machine-wide installs" })),
    name: Type.Optional(Type.String({ description: "the tool's display name" })),
    installs: Type.Optional(Type.Array(NoticeInstall, { maxItems: 50 })),
  },
  { additionalProperties: false },
);
export type Notice = Static<typeof Notice>;

export const NoticeFile = Type.Object({ notices: Type.Array(Notice) }, { additionalProperties: false });

/** How many days of notices to keep. */
const KEEP_DAYS = 30;

export function noticeId(tool: string, user: string | null, now: Date): string {
  const day = now.toISOString().slice(0, 10);
  return user === null ? `${tool}:${day}` : `${tool}:${user}:${day}`;
}

export function readNotices(path: string): Notice[] {
  if (!existsSync(path)) return [];
  try {
    const v: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (check(NoticeFile, v).length === 0) return (v as { notices: Notice[] }).notices;
  } catch {
    // a corrupt notice file only loses notices, never enforcement: start over
  }
  return [];
}

function writeNotices(path: string, notices: Notice[]): void {
  writeFileDurable(path, `${JSON.stringify({ notices }, null, 2)}\n`, 0o600);
}

function installOf(f: Finding, finding: string, prev: NoticeInstall | undefined): NoticeInstall {
  return { finding, channel: f.channel, version: f.version, paths: f.paths.slice(0, 20), quarantine_id: prev?.quarantine_id ?? null, stopped: prev?.stopped ?? 0 };
}

/**
 * Records a notice for the decision (about finding `f` when given); returns 'new' for the first
 * notice of this tool and user today, 'repeat' when today's record was only updated.
 */
export function recordNotice(path: string, d: Decision, revision: string, now: Date, f?: Finding): 'new' | 'repeat' {
  const user = f?.user ?? null;
  const id = noticeId(d.tool, user, now);
  const day = now.toISOString().slice(0, 10);
  const cutoff = new Date(now.getTime() - KEEP_DAYS * 86_400_000).toISOString().slice(0, 10);
  const notices = readNotices(path).filter((n) => n.day >= cutoff);
  const existing = notices.find((n) => n.id === id);
  const stamp = now.toISOString();
  let outcome: 'new' | 'repeat';
  let n: Notice;
  if (existing) {
    n = existing;
    n.last_seen = stamp;
    n.count += 1;
    // A different action today (warn → block) replaces the text the employee sees, shown afresh.
    if (n.action !== d.action) n.read = false;
    n.action = d.action;
    n.message = d.message;
    n.alternative = d.alternative;
    n.grace_until = d.grace_until;
    n.rule = d.rule;
    n.bundle_revision = revision;
    outcome = 'repeat';
  } else {
    n = {
      id,
      tool: d.tool,
      day,
      action: d.action,
      message: d.message,
      alternative: d.alternative,
      grace_until: d.grace_until,
      rule: d.rule,
      bundle_revision: revision,
      first_seen: stamp,
      last_seen: stamp,
      count: 1,
      read: false,
      user,
    };
    notices.push(n);
    outcome = 'new';
  }
  if (f) {
    n.name = f.name;
    const installs = n.installs ?? [];
    const at = installs.findIndex((i) => i.finding === d.finding);
    const next = installOf(f, d.finding, installs[at]);
    if (at >= 0) installs[at] = next;
    else if (installs.length < 50) installs.push(next);
    n.installs = installs;
  }
  writeNotices(path, notices);
  return outcome;
}

/** Adds what enforcement did to one install of today's notice: processes stopped now, vault id. */
export function recordOutcome(path: string, id: string, finding: string, outcome: { stopped: number; quarantine_id: string | null }): void {
  if (outcome.stopped === 0 && outcome.quarantine_id === null) return;
  const notices = readNotices(path);
  const install = notices.find((n) => n.id === id)?.installs?.find((i) => i.finding === finding);
  if (!install) return;
  install.stopped += outcome.stopped;
  if (outcome.quarantine_id !== null) install.quarantine_id = outcome.quarantine_id;
  writeNotices(path, notices);
}
