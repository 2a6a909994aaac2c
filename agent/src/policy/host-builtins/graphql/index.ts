// OPA's graphql.* builtins, answering as OPA does (v1/topdown/graphql.go): the same AST objects,
// the same validity verdicts, the same errors. parse_query, parse_schema and parse fail with a
// builtin error on bad input (an error the host table turns into undefined outside strict mode);
// parse_and_verify, is_valid and schema_is_valid never fail, they answer "not valid".
// graphql-js is loaded on the first call only (./lib.ts).
import { prune, type GQueryDocument, type GSchemaDocument, type Pos } from './ast.ts';
import { decodeQueryDocument, decodeSchemaDocument } from './decode.ts';
import { GraphQLUnavailableError } from './lib.ts';
import { parseQuery, parseSchema, GraphQLParseError } from './parse.ts';
import { GraphQLSchemaError, validateSchema } from './schema.ts';
import { validateQuery } from './validate.ts';

/** A builtin error: the message OPA gives (without the builtin's name, which the host table adds). */
export class GraphQLBuiltinError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GraphQLBuiltinError';
  }
}

function regoType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** gqlparser's parse error as OPA words it: `<message> in GraphQL string at location <line>:<col>`. */
function parsed<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof GraphQLParseError) throw new GraphQLBuiltinError(`${e.message} in GraphQL string at location ${e.pos.Line}:${e.pos.Column}`);
    throw e;
  }
}

function queryOperand(v: unknown, n: number): GQueryDocument {
  if (typeof v === 'string') return parsed(() => parseQuery(v));
  if (isObject(v)) return decodeQueryDocument(v);
  throw new GraphQLBuiltinError(`operand ${n} must be one of {object, string} but got ${regoType(v)}`);
}

function schemaOperand(v: unknown, n: number): GSchemaDocument {
  if (typeof v === 'string') return parsed(() => parseSchema(v));
  if (isObject(v)) return decodeSchemaDocument(v);
  throw new GraphQLBuiltinError(`operand ${n} must be one of {object, string} but got ${regoType(v)}`);
}

const at = (pos: Pos | null): string => (pos !== null ? `:${pos.Line}:${pos.Column}` : '');

/** The query checked against the schema (both validated as OPA does); throws OPA's error. */
function verify(query: GQueryDocument, schemaDoc: GSchemaDocument): void {
  let schema;
  try {
    schema = validateSchema(schemaDoc);
  } catch (e) {
    if (e instanceof GraphQLSchemaError) throw new GraphQLBuiltinError(`Error in gqlparser SchemaDocument to Schema conversion: input${at(e.pos)}: ${e.message}`);
    throw e;
  }
  const errors = validateQuery(schema, query);
  if (errors.length === 0) return;
  // OPA splits gqlparser's error list text (`input:L:C: message\n` per error) at its first three
  // colons: the first error's location, then every message, the last one's final ".\n" trimmed.
  const first = errors[0];
  const list = errors.map((e) => `input${at(e.pos)}: ${e.message}\n`).join('');
  if (first?.pos == null) throw new GraphQLBuiltinError(`${list.replace(/^input: /, '').replace(/\.\n$/, '')} in GraphQL string`);
  const rest = list.slice(`input${at(first.pos)}:`.length).trimStart().replace(/\.\n$/, '');
  throw new GraphQLBuiltinError(`${rest} in GraphQL string at location ${first.pos.Line}:${first.pos.Column}`);
}

/** A verdict: any error (bad operand, parse, schema or query validation) is "not valid". */
function valid(f: () => void): boolean {
  try {
    f();
    return true;
  } catch (e) {
    if (e instanceof GraphQLUnavailableError) throw e;
    return false;
  }
}

export const GRAPHQL_BUILTINS = {
  'graphql.parse_query': (query: unknown): unknown => {
    if (typeof query !== 'string') throw new GraphQLBuiltinError(`operand 1 must be string but got ${regoType(query)}`);
    return prune(parsed(() => parseQuery(query)));
  },
  'graphql.parse_schema': (schema: unknown): unknown => {
    if (typeof schema !== 'string') throw new GraphQLBuiltinError(`operand 1 must be string but got ${regoType(schema)}`);
    return prune(parsed(() => parseSchema(schema)));
  },
  'graphql.parse': (query: unknown, schema: unknown): unknown => {
    const q = queryOperand(query, 1);
    const s = schemaOperand(schema, 2);
    const out = [prune(q), prune(s)];
    verify(q, s);
    return out;
  },
  'graphql.parse_and_verify': (query: unknown, schema: unknown): unknown => {
    try {
      const q = queryOperand(query, 1);
      const s = schemaOperand(schema, 2);
      const out = [true, prune(q), prune(s)];
      verify(q, s);
      return out;
    } catch (e) {
      if (e instanceof GraphQLUnavailableError) throw e;
      return [false, {}, {}];
    }
  },
  'graphql.is_valid': (query: unknown, schema: unknown): boolean => valid(() => verify(queryOperand(query, 1), schemaOperand(schema, 2))),
  'graphql.schema_is_valid': (schema: unknown): boolean => valid(() => validateSchema(schemaOperand(schema, 1))),
};
