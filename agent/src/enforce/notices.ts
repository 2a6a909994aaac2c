// Notices for the employee: what the tray app shows ("Claude Code is banned; use Qoder"). One record
// per tool and day: a decision that repeats every check-in updates the record instead of adding one.
import { existsSync, readFileSync } from 'node:fs';
import { Type, type Static } from '@sinclair/typebox';
import type { Decision } from '../../../wire/src/decision.ts';
import { check } from '../../../wire/src/validate.ts';
import { writeFileDurable } from './durable.ts';

export const Notice = Type.Object(
  {
    id: Type.String({ description: 'tool:day' }),
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
    read: Type.Boolean({ description: 'set by the tray app when the employee dismissed it' }),
  },
  { additionalProperties: false },
);
export type Notice = Static<typeof Notice>;

export const NoticeFile = Type.Object({ notices: Type.Array(Notice) }, { additionalProperties: false });

/** How many days of notices to keep. */
const KEEP_DAYS = 30;

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

/**
 * Records a notice for the decision; returns 'new' for the first notice of this tool today,
 * 'repeat' when today's record was only updated.
 */
export function recordNotice(path: string, d: Decision, revision: string, now: Date): 'new' | 'repeat' {
  const day = now.toISOString().slice(0, 10);
  const id = `${d.tool}:${day}`;
  const cutoff = new Date(now.getTime() - KEEP_DAYS * 86_400_000).toISOString().slice(0, 10);
  const notices = readNotices(path).filter((n) => n.day >= cutoff);
  const existing = notices.find((n) => n.id === id);
  const stamp = now.toISOString();
  let outcome: 'new' | 'repeat';
  if (existing) {
    existing.last_seen = stamp;
    existing.count += 1;
    // A different action today (warn → block) replaces the text the employee sees, shown afresh.
    if (existing.action !== d.action) existing.read = false;
    existing.action = d.action;
    existing.message = d.message;
    existing.alternative = d.alternative;
    existing.grace_until = d.grace_until;
    existing.rule = d.rule;
    existing.bundle_revision = revision;
    outcome = 'repeat';
  } else {
    notices.push({
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
    });
    outcome = 'new';
  }
  writeFileDurable(path, `${JSON.stringify({ notices }, null, 2)}\n`, 0o644);
  return outcome;
}
