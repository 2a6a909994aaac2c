// The validator for the agent's resident process (the daemon: agent/src/sync/daemon.ts), which must
// stay small: ajv (wire/src/validate.ts) holds ~10 MB once loaded, TypeBox's own checker ~1 MB.
// Same TypeBox schemas, same JSON Schema meaning for what they use (types, patterns, lengths,
// bounds, additionalProperties); formats are not checked here, so schemas validated with this one
// use none. Everything else keeps using validate.ts.
import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/** Returns the list of problems (empty when valid), in validate.ts's "<path> <message>" form. */
export function checkLight(schema: TSchema, value: unknown): string[] {
  if (Value.Check(schema, value)) return [];
  const out: string[] = [];
  for (const e of Value.Errors(schema, value)) {
    out.push(`${e.path === '' ? '(root)' : e.path} ${e.message}`);
    if (out.length >= 10) break;
  }
  return out;
}

/** Returns the value typed by its schema, or throws naming `what` and the first problems. */
export function validateLight<S extends TSchema>(schema: S, value: unknown, what: string): Static<S> {
  const issues = checkLight(schema, value);
  if (issues.length > 0) throw new Error(`invalid ${what}: ${issues.slice(0, 5).join('; ')}`);
  return value as Static<S>;
}
