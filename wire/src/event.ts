// An enforcement event: one thing the agent did (or decided not to do) and why. Appended to the
// agent's durable outbox (JSONL) and uploaded by the sync loop; the server stores them for reports.
// Owned by the policy/enforcement area.
import { Type, type Static } from '@sinclair/typebox';
import { Action } from './decision.ts';

export const EventKind = Type.Union(
  [
    Type.Literal('decision'), // allow / observe / monitor-mode outcome: recorded, nothing changed
    Type.Literal('notice'), // notify / warn: a notice record for the tray app
    Type.Literal('kill'), // block: attributed processes terminated
    Type.Literal('watch_kill'), // block: a banned tool started later and the process watch killed it
    Type.Literal('quarantine'), // install moved into the vault, notice shim left behind
    Type.Literal('restore'), // vault entry put back
    Type.Literal('configure'), // vendor managed settings written
    Type.Literal('revert'), // managed settings put back as they were
    Type.Literal('drift'), // a managed file warden wrote was found edited, deleted or loosened (and repaired)
    Type.Literal('recover'), // an interrupted quarantine/restore completed or rolled back at start
  ],
  { description: 'what happened' },
);
export type EventKind = Static<typeof EventKind>;

export const EventResult = Type.Union([
  Type.Literal('ok'),
  Type.Literal('failed'),
  Type.Literal('skipped'), // nothing to do (already done, nothing running, deduplicated notice)
  Type.Literal('dry_run'),
  Type.Literal('monitor'),
  Type.Literal('refused'), // not done: the agent could not prove the target safe (reason in detail; nothing moved or signalled)
]);
export type EventResult = Static<typeof EventResult>;

export const EnforcementEvent = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    time: Type.String({ format: 'date-time' }),
    kind: EventKind,
    tool: Type.String(),
    finding: Type.String({ description: 'policy-input finding id, "" when not tied to one' }),
    action: Action,
    rule: Type.String(),
    reason: Type.String(),
    bundle_revision: Type.String({ description: 'revision of the bundle whose policy decided, "" for local operator commands' }),
    result: EventResult,
    detail: Type.String({ description: 'human-readable outcome, e.g. "terminated pids 812, 813"' }),
    pids: Type.Optional(Type.Array(Type.Integer({ minimum: 1 }))),
    paths: Type.Optional(Type.Array(Type.String())),
    quarantine_id: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type EnforcementEvent = Static<typeof EnforcementEvent>;
