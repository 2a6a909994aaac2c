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
