// What the agent (root) shows each employee's tray app (the employee) through files under
// <state>/public (layout: agent/src/enforce/state.ts): the report of what was found and decided about
// them, and the machine-wide part everyone may see. The tray validates every file it reads.
import { Type, type Static } from '@sinclair/typebox';
import { Decision } from './decision.ts';
import { Finding, HostFacts, Skipped } from './inventory.ts';

export const PUBLIC_REPORT_SCHEMA = 'warden.tray-report/v1';

export const PublicReport = Type.Object(
  {
    schema: Type.Literal(PUBLIC_REPORT_SCHEMA),
    scope: Type.Union([Type.Literal('user'), Type.Literal('machine')], { description: "one employee's part, or the machine-wide part" }),
    /** The user names (home folders) this report is about; [] for the machine-wide part. */
    users: Type.Array(Type.String()),
    scanned_at: Type.String({ format: 'date-time' }),
    bundle_revision: Type.String(),
    host: Type.Omit(HostFacts, ['users']),
    findings: Type.Array(Finding),
    decisions: Type.Array(Decision),
    skipped: Type.Array(Skipped),
  },
  { additionalProperties: false },
);
export type PublicReport = Static<typeof PublicReport>;

export const AGENT_SYNC_STATUS_SCHEMA = 'warden.agent-sync-status/v1';

/**
 * How the agent stands with its server (machine-wide: <state>/public/machine/sync-status.json, 0644).
 * Whatever it says, the agent keeps enforcing its last good bundle: this only tells the employee and
 * the helpdesk why updates may not arrive.
 */
export const AgentSyncStatus = Type.Object(
  {
    schema: Type.Literal(AGENT_SYNC_STATUS_SCHEMA),
    state: Type.Union([
      Type.Literal('ok'),
      Type.Literal('credential_refused'),
      Type.Literal('server_unproven'),
      Type.Literal('unreachable'),
      Type.Literal('not_enrolled'),
    ]),
    /** One line for people (never a secret). */
    message: Type.String({ maxLength: 1000 }),
    since: Type.String({ format: 'date-time' }),
    /** The bundle in force (kept through every state above), or null when none was ever received. */
    bundle_revision: Type.Union([Type.String(), Type.Null()]),
    bundle_seq: Type.Integer({ minimum: 0 }),
    /** Id of the pinned bundle key. */
    bundle_key: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);
export type AgentSyncStatus = Static<typeof AgentSyncStatus>;
