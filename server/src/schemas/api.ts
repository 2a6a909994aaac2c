// Schemas of the server's own API (requests and answers that are not shared wire types).
// Shared wire types (inventory, events, ban list) are imported from wire/src, never redefined.
import { Type, type Static } from '@sinclair/typebox';
import { Finding, Inventory } from '../../../wire/src/inventory.ts';
import { EnforcementEvent } from '../../../wire/src/event.ts';
import { BanList, BanRule } from '../../../wire/src/banlist.ts';
import { DecisionSummary, MAX_REPORTED_DECISIONS, MAX_REPORTED_VAULT, VaultEntrySummary } from '../../../wire/src/agent-status.ts';

const Text = (max: number, min = 0) => Type.String({ minLength: min, maxLength: max });
export const Strict = { additionalProperties: false } as const;

export const ErrorReply = Type.Object({ statusCode: Type.Integer(), error: Type.String(), message: Type.String() });

// ---- enrollment
export const EnrollRequest = Type.Object(
  {
    enroll_secret: Type.Optional(Text(200, 1)),
    enroll_token: Type.Optional(Text(200, 1)),
    hardware_id: Type.String({ minLength: 8, maxLength: 200, description: 'stable machine id (e.g. /etc/machine-id), used for re-enrollment' }),
    hostname: Text(255, 1),
    platform: Type.Union([Type.Literal('linux'), Type.Literal('darwin'), Type.Literal('win32')]),
    agent_version: Text(64, 1),
  },
  Strict,
);
export type EnrollRequest = Static<typeof EnrollRequest>;
export const EnrollReply = Type.Object({ device_id: Type.String(), credential: Type.String(), reenrolled: Type.Boolean() });

// ---- agent check-in
const Seq = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });
export const InventoryUpload = Type.Union([
  Type.Object({ kind: Type.Literal('full'), seq: Seq, inventory: Inventory }, Strict),
  Type.Object(
    {
      kind: Type.Literal('delta'),
      seq: Seq,
      base_seq: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
      upserts: Type.Array(Finding, { maxItems: 5000 }),
      removed: Type.Array(Text(600, 1), { maxItems: 5000, description: 'finding keys tool:channel:user' }),
    },
    Strict,
  ),
]);
export type InventoryUpload = Static<typeof InventoryUpload>;
export const InventoryReply = Type.Object({ result: Type.Union([Type.Literal('ok'), Type.Literal('stale')]), seq: Type.Integer(), items: Type.Integer() });

export const EventsUpload = Type.Object(
  {
    batch_id: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._:-]+$' }),
    events: Type.Array(EnforcementEvent, { minItems: 0, maxItems: 5000 }),
  },
  Strict,
);
export type EventsUpload = Static<typeof EventsUpload>;
export const EventsReply = Type.Object({ batch_id: Type.String(), stored: Type.Integer(), duplicate: Type.Boolean() });

export const StatusUpload = Type.Object(
  {
    bundle_revision: Type.Union([Text(128), Type.Null()]),
    agent_version: Text(64, 1),
    errors: Type.Array(Text(1000), { maxItems: 50 }),
    queue_length: Type.Optional(Type.Integer({ minimum: 0 })),
    last_scan_at: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()])),
    decisions: Type.Optional(Type.Array(DecisionSummary, { maxItems: MAX_REPORTED_DECISIONS, description: 'decisions of the last evaluation (absent: no bundle evaluated yet)' })),
    vault: Type.Optional(Type.Array(VaultEntrySummary, { maxItems: MAX_REPORTED_VAULT, description: 'quarantine vault, metadata only' })),
  },
  Strict,
);
export type StatusUpload = Static<typeof StatusUpload>;

const LocalUser = (description: string) => Type.Optional(Type.String({ minLength: 1, maxLength: 200, description }));
export const ExceptionRequest = Type.Object(
  {
    tool: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$' }),
    reason: Text(2000, 3),
    local_user: LocalUser('the OS user on the device who asked; stored as device_reported_user, a claim of the device (requested_by is always the device the credential proves)'),
    requested_by: LocalUser('older name of local_user: never an identity, stored as device_reported_user'),
    duration_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 366, description: 'how long the employee asks for; the approver sets the actual expiry' })),
  },
  Strict,
);
export type ExceptionRequest = Static<typeof ExceptionRequest>;

// ---- admin
export const Why = Text(2000, 3);
export const LoginRequest = Type.Object({ username: Text(100, 1), password: Text(200, 1) }, Strict);
export type LoginRequest = Static<typeof LoginRequest>;
export const RoleSchema = Type.Union([Type.Literal('admin'), Type.Literal('policy-editor'), Type.Literal('auditor'), Type.Literal('scim'), Type.Literal('siem')]);
export const CreateUser = Type.Object({ username: Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9._@-]+$' }), role: RoleSchema, password: Text(200, 12) }, Strict);
export type CreateUser = Static<typeof CreateUser>;
export const PatchUser = Type.Object({ role: Type.Optional(RoleSchema), disabled: Type.Optional(Type.Boolean()), password: Type.Optional(Text(200, 12)) }, { ...Strict, minProperties: 1 });
export type PatchUser = Static<typeof PatchUser>;
export const CreateToken = Type.Object({ name: Text(100, 1), expires_in_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })) }, Strict);
export type CreateToken = Static<typeof CreateToken>;
export const CreateEnrollToken = Type.Object({ note: Text(500), expires_in_hours: Type.Optional(Type.Integer({ minimum: 1, maximum: 24 * 90 })) }, Strict);
export type CreateEnrollToken = Static<typeof CreateEnrollToken>;

/** For routes that take no query parameters: an unknown one is refused, not ignored. */
export const NoQuery = Type.Object({}, Strict);

export const IdParam = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) }, Strict);
export type IdParam = Static<typeof IdParam>;
export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000_000 })),
};

export const RuleBody = Type.Object({ rule: BanRule, why: Why, expect_version: Type.Optional(Type.Integer({ minimum: 1 })) }, Strict);
export type RuleBody = Static<typeof RuleBody>;
export const ListBody = Type.Object({ list: BanList, why: Why, expect_revision: Type.Optional(Type.Integer({ minimum: 0 })) }, Strict);
export type ListBody = Static<typeof ListBody>;
export const DraftBody = Type.Object({ list: BanList }, Strict);
export type DraftBody = Static<typeof DraftBody>;
export const DeleteQuery = Type.Object({ why: Why, expect_version: Type.Optional(Type.Integer({ minimum: 1 })) }, Strict);
export type DeleteQuery = Static<typeof DeleteQuery>;

export const AdminExceptionRequest = Type.Object(
  { device_id: Text(200, 1), tool: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$' }), reason: Text(2000, 3) },
  Strict,
);
export type AdminExceptionRequest = Static<typeof AdminExceptionRequest>;
export const ApproveBody = Type.Object({ expires_at: Type.String({ format: 'date-time' }), note: Text(2000) }, Strict);
export type ApproveBody = Static<typeof ApproveBody>;
export const DenyBody = Type.Object({ note: Text(2000, 3) }, Strict);
export type DenyBody = Static<typeof DenyBody>;

export const REPORT_KINDS = ['inventory-by-tool', 'inventory-by-version', 'inventory-by-vendor', 'inventory-by-vendor-country', 'inventory-by-device', 'noncompliant-devices', 'exceptions', 'groups', 'group-members', 'mcp-servers', 'managed-settings-bypasses'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];
export const ReportParams = Type.Object({ kind: Type.Union(REPORT_KINDS.map((k) => Type.Literal(k))) }, Strict);
export const ReportQuery = Type.Object({ format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])) }, Strict);
