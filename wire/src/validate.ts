// One validator for every boundary (server input, agent config, bundle contents, policy input).
// Schemas are TypeBox objects: they are the TypeScript types and JSON Schemas at once, so the
// schema files under wire/schemas/ and the types in code cannot drift apart.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { Static, TSchema } from '@sinclair/typebox';

// ajv-formats is CommonJS; under NodeNext its default export arrives wrapped.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** Made on the first compile: a process that only validates through validate-trusted.ts never builds it. */
let ajv: Ajv | null = null;
const cache = new WeakMap<TSchema, ValidateFunction>();

export class ValidationError extends Error {
  constructor(
    readonly what: string,
    readonly issues: string[],
  ) {
    super(`invalid ${what}: ${issues.slice(0, 5).join('; ')}${issues.length > 5 ? ` (+${issues.length - 5} more)` : ''}`);
    this.name = 'ValidationError';
  }
}

function describe(e: ErrorObject): string {
  const at = e.instancePath === '' ? '(root)' : e.instancePath;
  return `${at} ${e.message ?? 'is invalid'}`;
}

function compiled(schema: TSchema): ValidateFunction {
  let fn = cache.get(schema);
  if (!fn) {
    ajv ??= addFormats(new Ajv({ allErrors: true, strict: false }));
    fn = ajv.compile(schema);
    cache.set(schema, fn);
  }
  return fn;
}

/** Returns the list of problems (empty when valid). */
export function check(schema: TSchema, value: unknown): string[] {
  const fn = compiled(schema);
  return fn(value) ? [] : (fn.errors ?? []).map(describe);
}

/** Returns the value typed by its schema, or throws a ValidationError naming `what`. */
export function validate<S extends TSchema>(schema: S, value: unknown, what: string): Static<S> {
  const issues = check(schema, value);
  if (issues.length > 0) throw new ValidationError(what, issues);
  return value as Static<S>;
}
