// Bypass signals: the known ways a tool's managed settings are skipped, as facts for the policy
// (policy input findings[].bypasses, ban-list match.bypass). Which signals exist per tool is data
// (policies/data/managed-settings.json); agent/src/enforce/bypass.ts observes them.
import { Type, type Static } from '@sinclair/typebox';

/** Known ways a tool's managed settings are bypassed (facts: policies/data/managed-settings.json). */
export const BypassKind = Type.Union([
  Type.Literal('stale_location'), // a managed file in a location the tool no longer reads
  Type.Literal('override_env'), // an override variable set in a running process of the tool (name only)
  Type.Literal('unmanaged_copy'), // a second copy of the tool that ignores the managed settings
]);
export type BypassKind = Static<typeof BypassKind>;

export const BypassSignal = Type.Object(
  {
    kind: BypassKind,
    name: Type.String({ maxLength: 300, description: 'the variable NAME (never its value), or the location as in the data file' }),
  },
  { additionalProperties: false },
);
export type BypassSignal = Static<typeof BypassSignal>;

