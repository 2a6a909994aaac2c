// Validation of the agent's big, trusted values: the catalog (shipped with the agent or inside a
// signed bundle), the inventory and policy input the agent builds, the decisions of a signed policy.
// ajv (validate.ts) compiles each schema to ~40–120 kB of JavaScript (the catalog's: 117 kB, for a
// 7 kB schema), which costs the scanning process ~12 MB of RSS for the catalog alone (bench/inventory.ts);
// TypeBox's compiled checker for the same schema is ~9 kB of code, ~4 MB.
//
// A value TypeBox accepts is accepted; anything else goes to validate.ts, so a rejection is ajv's,
// with ajv's messages (and ajv accepts what only TypeBox refused: e.g. a format TypeBox does not
// know). The two agree on what the wire schemas use (types, required and additional properties,
// literals, unions, bounds, ASCII patterns, the formats registered below from ajv-formats) except
// string lengths of text outside the BMP: TypeBox counts UTF-16 units where ajv counts code points,
// so a minLength above 1 can pass here on text ajv would find one code point short. That is why
// untrusted input (server replies, uploads, files users write) keeps using validate.ts directly.
import { FormatRegistry, type Static, type TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { fullFormats } from 'ajv-formats/dist/formats.js';
import { validate } from './validate.ts';

const checks = new WeakMap<TSchema, TypeCheck<TSchema> | null>();

/** The formats the wire schemas use that ajv checks (ajv-formats' full definitions), for TypeBox too. */
function registerFormats(): void {
  for (const name of ['date-time', 'uuid'] as const) {
    if (FormatRegistry.Has(name)) continue;
    const def = fullFormats[name];
    const v = typeof def === 'object' && !(def instanceof RegExp) ? def.validate : def;
    if (v instanceof RegExp) FormatRegistry.Set(name, (s) => v.test(s));
    else if (typeof v === 'function') FormatRegistry.Set(name, (s) => (v as (s: string) => boolean)(s) === true);
  }
}

function compiled(schema: TSchema): TypeCheck<TSchema> | null {
  let c = checks.get(schema);
  if (c === undefined) {
    registerFormats();
    try {
      c = TypeCompiler.Compile(schema);
    } catch {
      c = null; // a kind TypeBox cannot compile (e.g. Type.Unsafe): ajv alone decides
    }
    checks.set(schema, c);
  }
  return c;
}

/** Returns the value typed by its schema, or throws validate.ts's ValidationError naming `what`. */
export function validateTrusted<S extends TSchema>(schema: S, value: unknown, what: string): Static<S> {
  if (compiled(schema)?.Check(value)) return value as Static<S>;
  return validate(schema, value, what);
}
