// Times the policy compares. Rego gets no clock and we avoid time builtins: every instant the policy
// sees (input.now, exception expiries, grace dates) is UTC at second precision in one fixed layout,
// so plain string comparison orders them correctly.
import { Type } from '@sinclair/typebox';

export const UTC_TIME_PATTERN = '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$';

export const UtcTime = Type.String({
  pattern: UTC_TIME_PATTERN,
  description: 'UTC instant as YYYY-MM-DDTHH:MM:SSZ (no fractions, no offsets)',
});

/** Formats a Date in the layout above. */
export function utcTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
