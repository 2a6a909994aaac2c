// What an agent reports at each check-in besides its bundle revision: the decisions of its last
// evaluation (so the server knows which devices still hold a banned tool without re-evaluating the
// fleet) and its quarantine vault as metadata only — what was moved, from where, when and why; never
// file contents or hashes of them. The server validates both (server/src/schemas/api.ts StatusUpload)
// and shows them on the console's device page.
import { Type, type Static } from '@sinclair/typebox';
import { Action } from './decision.ts';
import { UtcTime } from './utc-time.ts';

const Text = (max: number, min = 0) => Type.String({ minLength: min, maxLength: max });

/** One decision as the agent made it (wire/src/decision.ts without the employee-facing texts). */
export const DecisionSummary = Type.Object(
  {
    finding: Text(600, 1),
    tool: Text(128, 1),
    action: Action,
    rule: Text(128),
    monitor: Type.Boolean(),
    grace_until: Type.Union([UtcTime, Type.Null()]),
  },
  { additionalProperties: false },
);
export type DecisionSummary = Static<typeof DecisionSummary>;

/** One quarantined install in the agent's vault (restorable with `warden-agent quarantine restore <id>`). */
export const VaultEntrySummary = Type.Object(
  {
    id: Type.String({ pattern: '^q-[0-9]{8}T[0-9]{6}-[0-9a-f]{8}$' }),
    time: Type.String({ format: 'date-time', maxLength: 40 }),
    tool: Text(128, 1),
    tool_name: Text(200),
    finding: Text(600),
    rule: Text(128),
    action: Action,
    bundle_revision: Text(128),
    /** Absolute paths the items were moved from. */
    paths: Type.Array(Text(1024, 1), { maxItems: 32 }),
    /** Files, folders and links moved, and the bytes of the files. */
    entries: Type.Integer({ minimum: 0 }),
    bytes: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type VaultEntrySummary = Static<typeof VaultEntrySummary>;

export const MAX_REPORTED_DECISIONS = 1000;
export const MAX_REPORTED_VAULT = 500;
