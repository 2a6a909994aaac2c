// A policy decision: what the fleet's Rego policy says to do about one inventory finding.
// Owned by the policy/enforcement area. The policy (policies/warden.rego) returns a list of these;
// the agent validates them before acting, the server stores them with events.
import { Type, type Static } from '@sinclair/typebox';
import { UtcTime } from './utc-time.ts';

/** Every action the ladder knows, mildest first (configure sits beside the ladder, see LADDER_RANK). */
export const ACTIONS = ['allow', 'observe', 'configure', 'notify', 'warn', 'block', 'quarantine'] as const;

export type Action = (typeof ACTIONS)[number];
// One JSON Schema enum rather than a union of literals: a bad action then gets one clear error.
export const Action = Type.Unsafe<Action>({
  type: 'string',
  enum: [...ACTIONS],
  description: 'allow < observe < configure < notify < warn < block < quarantine; the strictest matching rule wins',
});

/**
 * Strictness rank used by the policy to pick the winning rule. `configure` (write the vendor's managed
 * settings instead of banning) ranks above observe and below notify: a ban always beats a configure rule.
 * Keep in sync with `rank` in policies/warden.rego (test/policies checks both agree).
 */
export const LADDER_RANK: Record<Action, number> = {
  allow: 0,
  observe: 1,
  configure: 2,
  notify: 3,
  warn: 4,
  block: 5,
  quarantine: 6,
};

export const Decision = Type.Object(
  {
    finding: Type.String({ description: 'id of the policy-input finding this decides (tool:channel:user)' }),
    tool: Type.String({ description: 'catalog tool id' }),
    action: Action,
    reason: Type.String({ description: 'why, for the audit log and the employee' }),
    message: Type.String({ description: "the company's message shown to the employee" }),
    alternative: Type.String({ description: 'the approved alternative, "" when none' }),
    rule: Type.String({ description: 'id of the winning rule or exception, "" when the default applied' }),
    groups: Type.Optional(
      Type.Array(Type.String(), {
        description: 'groups through which the winning rule matched, "user:<name>" or "device:<name>"; [] when it names none (optional: bundles compiled before groups reached the policy lack it)',
      }),
    ),
    grace_until: Type.Union([UtcTime, Type.Null()], { description: 'set when a block is held back as a warning until then' }),
    monitor: Type.Boolean({ description: 'monitor mode: decide and report, change nothing' }),
    settings: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()], {
      description: 'managed settings to write (configure only), null otherwise',
    }),
  },
  { additionalProperties: false },
);
export type Decision = Static<typeof Decision>;

export const Decisions = Type.Array(Decision);
export type Decisions = Static<typeof Decisions>;
