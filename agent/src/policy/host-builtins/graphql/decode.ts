// An AST object given to graphql.parse, parse_and_verify, is_valid or schema_is_valid, read as OPA
// reads it: Go's encoding/json into gqlparser's structs. Unknown keys are ignored, null or a
// missing key is the zero value, a value of the wrong JSON type is an error, and keys match
// case-insensitively — except in operations, fragments and selections, which gqlparser decodes by
// exact key, and where every selection decodes as a field (gqlparser tries a field first, and a
// field accepts any object).
import type {
  GArgument, GArgumentDefinition, GChild, GDefinition, GDirective, GDirectiveDefinition, GEnumValue, GField, GFieldDefinition,
  GFragmentDefinition, GOperation, GOperationType, GQueryDocument, GSchemaDefinition, GSchemaDocument, GSelection, GType, GValue,
  GVariableDefinition, Pos,
} from './ast.ts';

export class GraphQLDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GraphQLDecodeError';
  }
}

type Obj = Record<string, unknown>;

function jsonType(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  return typeof v === 'object' ? 'object' : typeof v;
}

function fail(v: unknown, where: string, goType: string): never {
  throw new GraphQLDecodeError(`json: cannot unmarshal ${jsonType(v)} into Go struct field ${where} of type ${goType}`);
}

function object(v: unknown, where: string, goType: string): Obj {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(v, where, goType);
  return v as Obj;
}

/** The value of `key` in `o`: exact key first, then (unless exact) any key equal ignoring case. */
function get(o: Obj, key: string, exact = false): unknown {
  if (Object.hasOwn(o, key)) return o[key];
  if (exact) return undefined;
  const lower = key.toLowerCase();
  for (const k of Object.keys(o)) if (k.toLowerCase() === lower) return o[k];
  return undefined;
}

function str(o: Obj, key: string, where: string, exact = false): string {
  const v = get(o, key, exact);
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') fail(v, `${where}.${key}`, 'string');
  return v;
}

function bool(o: Obj, key: string, where: string): boolean {
  const v = get(o, key);
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') fail(v, `${where}.${key}`, 'bool');
  return v;
}

function list<T>(o: Obj, key: string, where: string, item: (v: unknown) => T | null, exact = false): T[] | null {
  const v = get(o, key, exact);
  if (v === undefined || v === null) return null;
  if (!Array.isArray(v)) fail(v, `${where}.${key}`, 'slice');
  const out: T[] = [];
  for (const e of v) {
    const d = item(e);
    if (d !== null) out.push(d);
  }
  return out;
}

function ptr<T>(o: Obj, key: string, item: (v: unknown) => T, exact = false): T | null {
  const v = get(o, key, exact);
  return v === undefined || v === null ? null : item(v);
}

function strings(o: Obj, key: string, where: string): string[] | null {
  return list(o, key, where, (v) => {
    if (typeof v !== 'string') fail(v, `${where}.${key}`, 'string');
    return v;
  });
}

function position(o: Obj): Pos | null {
  const p = get(o, 'Position');
  if (p === null || typeof p !== 'object' || Array.isArray(p)) return null;
  const line = get(p as Obj, 'Line');
  const column = get(p as Obj, 'Column');
  return typeof line === 'number' && typeof column === 'number' ? { Line: line, Column: column } : null;
}

function type(v: unknown): GType {
  const o = object(v, 'Type', 'ast.Type');
  return { NamedType: str(o, 'NamedType', 'Type'), Elem: ptr(o, 'Elem', type), NonNull: bool(o, 'NonNull', 'Type'), Position: position(o) };
}

function value(v: unknown): GValue {
  const o = object(v, 'Value', 'ast.Value');
  const kind = get(o, 'Kind');
  if (kind !== undefined && kind !== null && (typeof kind !== 'number' || !Number.isInteger(kind))) fail(kind, 'Value.Kind', 'ast.ValueKind');
  return {
    Raw: str(o, 'Raw', 'Value'),
    Children: list(o, 'Children', 'Value', (c): GChild => {
      const co = object(c, 'Value.Children', 'ast.ChildValue');
      return { Name: str(co, 'Name', 'ChildValue'), Value: ptr(co, 'Value', value), Position: position(co) };
    }),
    Kind: typeof kind === 'number' ? kind : 0,
    Position: position(o),
    Definition: null,
    VariableDefinition: null,
    ExpectedType: null,
    ExpectedTypeHasDefault: bool(o, 'ExpectedTypeHasDefault', 'Value'),
  };
}

function argument(v: unknown): GArgument {
  const o = object(v, 'Arguments', 'ast.Argument');
  return { Name: str(o, 'Name', 'Argument'), Value: ptr(o, 'Value', value), Position: position(o) };
}

function directive(v: unknown): GDirective {
  const o = object(v, 'Directives', 'ast.Directive');
  return {
    Name: str(o, 'Name', 'Directive'), Arguments: list(o, 'Arguments', 'Directive', argument), Position: position(o),
    ParentDefinition: null, Definition: null, Location: str(o, 'Location', 'Directive'),
  };
}

function variableDefinition(v: unknown): GVariableDefinition {
  const o = object(v, 'VariableDefinitions', 'ast.VariableDefinition');
  return {
    Variable: str(o, 'Variable', 'VariableDefinition'), Type: ptr(o, 'Type', type), DefaultValue: ptr(o, 'DefaultValue', value),
    Directives: list(o, 'Directives', 'VariableDefinition', directive), Definition: null, Used: bool(o, 'Used', 'VariableDefinition'), Position: position(o),
  };
}

/** Every selection decodes as a field (gqlparser's UnmarshalSelectionSet); a non-object is dropped. */
function selection(v: unknown): GSelection | null {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return null;
  const o = v as Obj;
  const attempts: (() => GSelection)[] = [
    () => field(o),
    () => ({ Name: str(o, 'Name', 'FragmentSpread'), Directives: list(o, 'Directives', 'FragmentSpread', directive), ObjectDefinition: null, Definition: null, Position: position(o) }),
    () => ({
      TypeCondition: str(o, 'TypeCondition', 'InlineFragment', true), Directives: list(o, 'Directives', 'InlineFragment', directive, true),
      SelectionSet: list(o, 'SelectionSet', 'InlineFragment', selection, true), ObjectDefinition: null, Position: position(o),
    }),
  ];
  for (const attempt of attempts) {
    try {
      return attempt();
    } catch {
      // gqlparser tries the next kind of selection, and drops the item when none decodes
    }
  }
  return null;
}

function field(o: Obj): GField {
  return {
    Alias: str(o, 'Alias', 'Field', true), Name: str(o, 'Name', 'Field', true), Arguments: list(o, 'Arguments', 'Field', argument, true),
    Directives: list(o, 'Directives', 'Field', directive, true), SelectionSet: list(o, 'SelectionSet', 'Field', selection, true),
    Position: position(o), Definition: null, ObjectDefinition: null,
  };
}

function operation(v: unknown): GOperation {
  const o = object(v, 'Operations', 'ast.OperationDefinition');
  return {
    Operation: str(o, 'Operation', 'OperationDefinition', true), Name: str(o, 'Name', 'OperationDefinition', true),
    VariableDefinitions: list(o, 'VariableDefinitions', 'OperationDefinition', variableDefinition, true),
    Directives: list(o, 'Directives', 'OperationDefinition', directive, true),
    SelectionSet: list(o, 'SelectionSet', 'OperationDefinition', selection, true), Position: position(o),
  };
}

function fragmentDefinition(v: unknown): GFragmentDefinition {
  const o = object(v, 'Fragments', 'ast.FragmentDefinition');
  return {
    Name: str(o, 'Name', 'FragmentDefinition', true), VariableDefinition: list(o, 'VariableDefinition', 'FragmentDefinition', variableDefinition, true),
    TypeCondition: str(o, 'TypeCondition', 'FragmentDefinition', true), Directives: list(o, 'Directives', 'FragmentDefinition', directive, true),
    SelectionSet: list(o, 'SelectionSet', 'FragmentDefinition', selection, true), Definition: null, Position: position(o),
  };
}

export function decodeQueryDocument(v: Obj): GQueryDocument {
  return { Operations: list(v, 'Operations', 'QueryDocument', operation), Fragments: list(v, 'Fragments', 'QueryDocument', fragmentDefinition), Position: position(v) };
}

function argumentDefinition(v: unknown): GArgumentDefinition {
  const o = object(v, 'Arguments', 'ast.ArgumentDefinition');
  return {
    Description: str(o, 'Description', 'ArgumentDefinition'), Name: str(o, 'Name', 'ArgumentDefinition'), DefaultValue: ptr(o, 'DefaultValue', value),
    Type: ptr(o, 'Type', type), Directives: list(o, 'Directives', 'ArgumentDefinition', directive), Position: position(o),
  };
}

function fieldDefinition(v: unknown): GFieldDefinition {
  const o = object(v, 'Fields', 'ast.FieldDefinition');
  return { ...argumentDefinition(o), Arguments: list(o, 'Arguments', 'FieldDefinition', argumentDefinition) };
}

function enumValue(v: unknown): GEnumValue {
  const o = object(v, 'EnumValues', 'ast.EnumValueDefinition');
  return { Description: str(o, 'Description', 'EnumValueDefinition'), Name: str(o, 'Name', 'EnumValueDefinition'), Directives: list(o, 'Directives', 'EnumValueDefinition', directive), Position: position(o) };
}

function definition(v: unknown): GDefinition {
  const o = object(v, 'Definitions', 'ast.Definition');
  return {
    Kind: str(o, 'Kind', 'Definition'), Description: str(o, 'Description', 'Definition'), Name: str(o, 'Name', 'Definition'),
    Directives: list(o, 'Directives', 'Definition', directive), Interfaces: strings(o, 'Interfaces', 'Definition'),
    Fields: list(o, 'Fields', 'Definition', fieldDefinition), Types: strings(o, 'Types', 'Definition'),
    EnumValues: list(o, 'EnumValues', 'Definition', enumValue), Position: position(o), BuiltIn: bool(o, 'BuiltIn', 'Definition'),
  };
}

function schemaDefinition(v: unknown): GSchemaDefinition {
  const o = object(v, 'Schema', 'ast.SchemaDefinition');
  return {
    Description: str(o, 'Description', 'SchemaDefinition'), Directives: list(o, 'Directives', 'SchemaDefinition', directive),
    OperationTypes: list(o, 'OperationTypes', 'SchemaDefinition', (t): GOperationType => {
      const to = object(t, 'OperationTypes', 'ast.OperationTypeDefinition');
      return { Operation: str(to, 'Operation', 'OperationTypeDefinition'), Type: str(to, 'Type', 'OperationTypeDefinition'), Position: position(to) };
    }),
    Position: position(o),
  };
}

function directiveDefinition(v: unknown): GDirectiveDefinition {
  const o = object(v, 'Directives', 'ast.DirectiveDefinition');
  return {
    Description: str(o, 'Description', 'DirectiveDefinition'), Name: str(o, 'Name', 'DirectiveDefinition'),
    Arguments: list(o, 'Arguments', 'DirectiveDefinition', argumentDefinition), Locations: strings(o, 'Locations', 'DirectiveDefinition'),
    IsRepeatable: bool(o, 'IsRepeatable', 'DirectiveDefinition'), Position: position(o),
  };
}

export function decodeSchemaDocument(v: Obj): GSchemaDocument {
  return {
    Schema: list(v, 'Schema', 'SchemaDocument', schemaDefinition), SchemaExtension: list(v, 'SchemaExtension', 'SchemaDocument', schemaDefinition),
    Directives: list(v, 'Directives', 'SchemaDocument', directiveDefinition), Definitions: list(v, 'Definitions', 'SchemaDocument', definition),
    Extensions: list(v, 'Extensions', 'SchemaDocument', definition), Position: position(v),
  };
}
