// Schema validation as OPA does it (gqlparser's ValidateSchemaDocument, run on the built-in
// definitions merged with the policy's schema document). Its rules differ from graphql-js's
// schema validation, which OPA's answers show: no Query type is required, `extend type X` of an
// undefined X defines X, schema directives are not checked. Returns the schema's types (extensions
// merged in) and root types, or throws a GraphQLSchemaError with gqlparser's message.
import { typeName, typeString, type GArgumentDefinition, type GDefinition, type GDirective, type GDirectiveDefinition, type GSchemaDocument, type GType, type Pos } from './ast.ts';
import { parseSchema } from './parse.ts';

export class GraphQLSchemaError extends Error {
  constructor(message: string, readonly pos: Pos | null) {
    super(message);
    this.name = 'GraphQLSchemaError';
  }
}

export interface Schema {
  types: Map<string, GDefinition>;
  directives: Map<string, GDirectiveDefinition>;
  /** Interface or union name → the types that implement or belong to it. */
  possibleTypes: Map<string, GDefinition[]>;
  query: GDefinition | null;
  mutation: GDefinition | null;
  subscription: GDefinition | null;
}

// The definitions every schema has (the GraphQL specification's built-in scalars, directives and
// introspection types), as gqlparser's prelude declares them.
const PRELUDE = `
scalar Int
scalar Float
scalar String
scalar Boolean
scalar ID
directive @include(if: Boolean!) on FIELD | FRAGMENT_SPREAD | INLINE_FRAGMENT
directive @skip(if: Boolean!) on FIELD | FRAGMENT_SPREAD | INLINE_FRAGMENT
directive @deprecated(reason: String = "No longer supported") on FIELD_DEFINITION | ARGUMENT_DEFINITION | INPUT_FIELD_DEFINITION | ENUM_VALUE
directive @specifiedBy(url: String!) on SCALAR
type __Schema { description: String types: [__Type!]! queryType: __Type! mutationType: __Type subscriptionType: __Type directives: [__Directive!]! }
type __Type {
  kind: __TypeKind! name: String description: String fields(includeDeprecated: Boolean = false): [__Field!] interfaces: [__Type!]
  possibleTypes: [__Type!] enumValues(includeDeprecated: Boolean = false): [__EnumValue!] inputFields: [__InputValue!] ofType: __Type specifiedBy: String
}
type __Field { name: String! description: String args: [__InputValue!]! type: __Type! isDeprecated: Boolean! deprecationReason: String }
type __InputValue { name: String! description: String type: __Type! defaultValue: String }
type __EnumValue { name: String! description: String isDeprecated: Boolean! deprecationReason: String }
enum __TypeKind { SCALAR OBJECT INTERFACE UNION ENUM INPUT_OBJECT LIST NON_NULL }
type __Directive { name: String! description: String locations: [__DirectiveLocation!]! args: [__InputValue!]! isRepeatable: Boolean! }
enum __DirectiveLocation {
  QUERY MUTATION SUBSCRIPTION FIELD FRAGMENT_DEFINITION FRAGMENT_SPREAD INLINE_FRAGMENT VARIABLE_DEFINITION SCHEMA SCALAR OBJECT
  FIELD_DEFINITION ARGUMENT_DEFINITION INTERFACE UNION ENUM ENUM_VALUE INPUT_OBJECT INPUT_FIELD_DEFINITION
}
`;

export const BUILTIN_DIRECTIVES = new Set(['include', 'skip', 'deprecated', 'specifiedBy']);

const err = (pos: Pos | null, message: string): GraphQLSchemaError => new GraphQLSchemaError(message, pos);
const quote = (s: string): string => JSON.stringify(s);

/** Validates `doc` merged after the prelude. Works on copies: `doc` is left as it was. */
export function validateSchema(doc: GSchemaDocument): Schema {
  const prelude = parseSchema(PRELUDE, true);
  const copy = structuredClone(doc);
  const definitions = [...(prelude.Definitions ?? []), ...(copy.Definitions ?? [])];
  const extensions = [...(prelude.Extensions ?? []), ...(copy.Extensions ?? [])];
  const directiveDefs = [...(prelude.Directives ?? []), ...(copy.Directives ?? [])];
  const schemaDefs = [...(prelude.Schema ?? []), ...(copy.Schema ?? [])];
  const schemaExts = [...(prelude.SchemaExtension ?? []), ...(copy.SchemaExtension ?? [])];

  const s: Schema = { types: new Map(), directives: new Map(), possibleTypes: new Map(), query: null, mutation: null, subscription: null };
  for (const def of definitions) {
    if (s.types.has(def.Name)) throw err(def.Position, `Cannot redeclare type ${def.Name}.`);
    s.types.set(def.Name, def);
  }
  const defs = [...definitions];
  for (const ext of extensions) {
    let def = s.types.get(ext.Name);
    if (def === undefined) {
      def = { Kind: ext.Kind, Description: '', Name: ext.Name, Directives: null, Interfaces: null, Fields: null, Types: null, EnumValues: null, Position: ext.Position, BuiltIn: false };
      s.types.set(ext.Name, def);
      defs.push(def);
    }
    if (def.Kind !== ext.Kind) throw err(ext.Position, `Cannot extend type ${ext.Name} because the base type is a ${def.Kind}, not ${ext.Kind}.`);
    def.Directives = concat(def.Directives, ext.Directives);
    def.Interfaces = concat(def.Interfaces, ext.Interfaces);
    def.Fields = concat(def.Fields, ext.Fields);
    def.Types = concat(def.Types, ext.Types);
    def.EnumValues = concat(def.EnumValues, ext.EnumValues);
  }
  const addPossible = (name: string, def: GDefinition | undefined): void => {
    if (def === undefined) return;
    const l = s.possibleTypes.get(name) ?? [];
    l.push(def);
    s.possibleTypes.set(name, l);
  };
  for (const def of defs) {
    if (def.Kind === 'UNION') for (const t of def.Types ?? []) addPossible(def.Name, s.types.get(t));
    else if (def.Kind === 'INPUT_OBJECT' || def.Kind === 'OBJECT') {
      for (const i of def.Interfaces ?? []) addPossible(i, def);
      addPossible(def.Name, def);
    } else if (def.Kind === 'INTERFACE') for (const i of def.Interfaces ?? []) addPossible(i, def);
  }

  for (const dir of directiveDefs) {
    if (s.directives.has(dir.Name)) {
      // SDL may declare the built-in directives again; the first declaration is kept.
      if (BUILTIN_DIRECTIVES.has(dir.Name)) continue;
      throw err(dir.Position, `Cannot redeclare directive ${dir.Name}.`);
    }
    s.directives.set(dir.Name, dir);
  }

  const setRoot = (op: string, def: GDefinition): void => {
    if (op === 'query') s.query = def;
    else if (op === 'mutation') s.mutation = def;
    else if (op === 'subscription') s.subscription = def;
  };
  if (schemaDefs.length > 1) throw err(schemaDefs[1]?.Position ?? null, 'Cannot have multiple schema entry points, consider schema extensions instead.');
  for (const sd of [...schemaDefs, ...schemaExts]) {
    for (const ep of sd.OperationTypes ?? []) {
      const def = s.types.get(ep.Type);
      if (def === undefined) throw err(ep.Position, `Schema root ${ep.Operation} refers to a type ${ep.Type} that does not exist.`);
      setRoot(ep.Operation, def);
    }
  }

  for (const name of [...s.types.keys()].sort()) validateDefinition(s, s.types.get(name) as GDefinition);
  for (const name of [...s.directives.keys()].sort()) {
    const d = s.directives.get(name) as GDirectiveDefinition;
    validateName(d.Position, d.Name);
    validateArgs(s, d.Arguments, d);
  }

  if (schemaDefs.length === 0) {
    s.query ??= s.types.get('Query') ?? null;
    s.mutation ??= s.types.get('Mutation') ?? null;
    s.subscription ??= s.types.get('Subscription') ?? null;
  }
  return s;
}

function concat<T>(a: T[] | null, b: T[] | null): T[] | null {
  if (b === null || b.length === 0) return a;
  return [...(a ?? []), ...b];
}

function validateName(pos: Pos | null, name: string): void {
  if (name.startsWith('__')) throw err(pos, `Name "${name}" must not begin with "__", which is reserved by GraphQL introspection.`);
}

function validateTypeRef(s: Schema, t: GType | null, pos: Pos | null): void {
  if (!s.types.has(typeName(t))) throw err(t?.Position ?? pos, `Undefined type ${typeName(t)}.`);
}

function isInputType(def: GDefinition | undefined): boolean {
  return def !== undefined && (def.Kind === 'SCALAR' || def.Kind === 'ENUM' || def.Kind === 'INPUT_OBJECT');
}

function validateArgs(s: Schema, args: GArgumentDefinition[] | null, current: GDirectiveDefinition | null): void {
  for (const arg of args ?? []) {
    validateName(arg.Position, arg.Name);
    validateTypeRef(s, arg.Type, arg.Position);
    const def = s.types.get(typeName(arg.Type));
    if (!isInputType(def)) throw err(arg.Position, `cannot use ${typeString(arg.Type)} as argument ${arg.Name} because ${def?.Kind ?? ''} is not a valid input type`);
    validateDirectives(s, arg.Directives, 'ARGUMENT_DEFINITION', current);
  }
}

function validateDirectives(s: Schema, dirs: GDirective[] | null, location: string, current: GDirectiveDefinition | null): void {
  for (const dir of dirs ?? []) {
    validateName(dir.Position, dir.Name);
    if (current !== null && dir.Name === current.Name) throw err(dir.Position, `Directive ${current.Name} cannot refer to itself.`);
    const def = s.directives.get(dir.Name);
    if (def === undefined) throw err(dir.Position, `Undefined directive ${dir.Name}.`);
    if (!(def.Locations ?? []).includes(location)) throw err(dir.Position, `Directive ${dir.Name} is not applicable on ${location}.`);
  }
}

const OUTPUT_KINDS = ['SCALAR', 'OBJECT', 'INTERFACE', 'UNION', 'ENUM'];
const INPUT_KINDS = ['SCALAR', 'ENUM', 'INPUT_OBJECT'];

function validateDefinition(s: Schema, def: GDefinition): void {
  for (const field of def.Fields ?? []) {
    validateName(field.Position, field.Name);
    validateTypeRef(s, field.Type, field.Position);
    validateArgs(s, field.Arguments, null);
    validateDirectives(s, field.Directives, def.Kind === 'INPUT_OBJECT' ? 'INPUT_FIELD_DEFINITION' : 'FIELD_DEFINITION', null);
  }
  for (const t of def.Types ?? []) {
    const member = s.types.get(t);
    if (member === undefined) throw err(def.Position, `Undefined type ${quote(t)}.`);
    if (member.Kind !== 'OBJECT') throw err(def.Position, `${def.Kind} type ${quote(t)} must be OBJECT.`);
  }
  for (const i of def.Interfaces ?? []) validateImplements(s, def, i);

  if (def.Kind === 'OBJECT' || def.Kind === 'INTERFACE') {
    if ((def.Fields ?? []).length === 0) throw err(def.Position, `${def.Kind} ${def.Name}: must define one or more fields.`);
    for (const field of def.Fields ?? []) {
      const t = s.types.get(typeName(field.Type));
      if (t !== undefined && !OUTPUT_KINDS.includes(t.Kind)) throw err(field.Position, `${def.Kind} ${def.Name}: field must be one of ${OUTPUT_KINDS.join(', ')}.`);
    }
  } else if (def.Kind === 'ENUM') {
    if ((def.EnumValues ?? []).length === 0) throw err(def.Position, `${def.Kind} ${def.Name}: must define one or more unique enum values.`);
    for (const v of def.EnumValues ?? []) {
      if (v.Name === 'true' || v.Name === 'false' || v.Name === 'null') throw err(def.Position, `${def.Kind} ${def.Name}: non-enum value ${v.Name}.`);
    }
  } else if (def.Kind === 'INPUT_OBJECT') {
    if ((def.Fields ?? []).length === 0) throw err(def.Position, `${def.Kind} ${def.Name}: must define one or more input fields.`);
    for (const field of def.Fields ?? []) {
      const t = s.types.get(typeName(field.Type));
      if (t !== undefined && !INPUT_KINDS.includes(t.Kind)) throw err(field.Position, `${t.Kind} ${field.Name}: field must be one of ${INPUT_KINDS.join(', ')}.`);
    }
  }
  const fields = def.Fields ?? [];
  fields.forEach((f1, i) => {
    for (const f2 of fields.slice(i + 1)) if (f1.Name === f2.Name) throw err(f2.Position, `Field ${def.Name}.${f2.Name} can only be defined once.`);
  });
  if (!def.BuiltIn) validateName(def.Position, def.Name);
  validateDirectives(s, def.Directives, def.Kind, null);
}

function validateImplements(s: Schema, def: GDefinition, intfName: string): void {
  const intf = s.types.get(intfName);
  if (intf === undefined) throw err(def.Position, `Undefined type ${quote(intfName)}.`);
  if (intf.Kind !== 'INTERFACE') throw err(def.Position, `${quote(intfName)} is a non interface type ${intf.Kind}.`);
  for (const required of intf.Fields ?? []) {
    const found = (def.Fields ?? []).find((f) => f.Name === required.Name);
    if (found === undefined) throw err(def.Position, `For ${def.Name} to implement ${intf.Name} it must have a field called ${required.Name}.`);
    if (!isCovariant(s, required.Type, found.Type)) {
      throw err(found.Position, `For ${def.Name} to implement ${intf.Name} the field ${required.Name} must have type ${typeString(required.Type)}.`);
    }
    for (const reqArg of required.Arguments ?? []) {
      const arg = (found.Arguments ?? []).find((a) => a.Name === reqArg.Name);
      if (arg === undefined) {
        throw err(found.Position, `For ${def.Name} to implement ${intf.Name} the field ${required.Name} must have the same arguments but it is missing ${reqArg.Name}.`);
      }
      if (typeString(reqArg.Type) !== typeString(arg.Type)) {
        throw err(arg.Position, `For ${def.Name} to implement ${intf.Name} the field ${required.Name} must have the same arguments but ${reqArg.Name} has the wrong type.`);
      }
    }
    for (const arg of found.Arguments ?? []) {
      if (!(required.Arguments ?? []).some((a) => a.Name === arg.Name) && arg.Type?.NonNull === true && arg.DefaultValue === null) {
        throw err(arg.Position, `For ${def.Name} to implement ${intf.Name} any additional arguments on ${found.Name} must be optional or have a default value but ${arg.Name} is required.`);
      }
    }
  }
  for (const transitive of intf.Interfaces ?? []) {
    if ((def.Interfaces ?? []).includes(transitive)) continue;
    if (transitive === def.Name) throw err(def.Position, `Type ${def.Name} cannot implement ${intfName} because it would create a circular reference.`);
    throw err(def.Position, `Type ${def.Name} must implement ${transitive} because it is implemented by ${intfName}.`);
  }
}

function isCovariant(s: Schema, required: GType | null, actual: GType | null): boolean {
  if (required === null || actual === null) return required === actual;
  if (required.NonNull && !actual.NonNull) return false;
  if (required.NamedType !== '') {
    if (required.NamedType === actual.NamedType) return true;
    return (s.possibleTypes.get(required.NamedType) ?? []).some((d) => d.Name === actual.NamedType);
  }
  if (required.Elem !== null && actual.Elem === null) return false;
  return isCovariant(s, required.Elem, actual.Elem);
}
