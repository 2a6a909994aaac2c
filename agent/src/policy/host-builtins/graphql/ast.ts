// The GraphQL AST exactly as OPA's graphql.* builtins return it: the JSON encoding of the Go
// structs of gqlparser (v2.4.8, the version OPA vendors), with OPA's pruning applied on output
// (see prune below). Field names and zero values follow the Go structs; `Position` is kept
// internally for error locations and dropped on output, as OPA does.

export interface Pos {
  Line: number;
  Column: number;
}

export interface GType {
  NamedType: string;
  Elem: GType | null;
  NonNull: boolean;
  Position: Pos | null;
}

/** Value kinds, numbered as gqlparser's ast.ValueKind (an int in the JSON). */
export const VK = { Variable: 0, Int: 1, Float: 2, String: 3, Block: 4, Boolean: 5, Null: 6, Enum: 7, List: 8, Object: 9 } as const;

export interface GValue {
  Raw: string;
  Children: GChild[] | null;
  Kind: number;
  Position: Pos | null;
  Definition: null;
  VariableDefinition: null;
  ExpectedType: null;
  ExpectedTypeHasDefault: boolean;
}

export interface GChild {
  Name: string;
  Value: GValue | null;
  Position: Pos | null;
}

export interface GArgument {
  Name: string;
  Value: GValue | null;
  Position: Pos | null;
}

export interface GDirective {
  Name: string;
  Arguments: GArgument[] | null;
  Position: Pos | null;
  ParentDefinition: null;
  Definition: null;
  Location: string;
}

export interface GField {
  Alias: string;
  Name: string;
  Arguments: GArgument[] | null;
  Directives: GDirective[] | null;
  SelectionSet: GSelection[] | null;
  Position: Pos | null;
  Definition: null;
  ObjectDefinition: null;
}

export interface GFragmentSpread {
  Name: string;
  Directives: GDirective[] | null;
  ObjectDefinition: null;
  Definition: null;
  Position: Pos | null;
}

export interface GInlineFragment {
  TypeCondition: string;
  Directives: GDirective[] | null;
  SelectionSet: GSelection[] | null;
  ObjectDefinition: null;
  Position: Pos | null;
}

export type GSelection = GField | GFragmentSpread | GInlineFragment;

export function isField(s: GSelection): s is GField {
  return 'Alias' in s;
}
export function isInlineFragment(s: GSelection): s is GInlineFragment {
  return !('Alias' in s) && 'TypeCondition' in s;
}

export interface GVariableDefinition {
  Variable: string;
  Type: GType | null;
  DefaultValue: GValue | null;
  Directives: GDirective[] | null;
  Definition: null;
  Used: boolean;
  Position: Pos | null;
}

export interface GOperation {
  Operation: string;
  Name: string;
  VariableDefinitions: GVariableDefinition[] | null;
  Directives: GDirective[] | null;
  SelectionSet: GSelection[] | null;
  Position: Pos | null;
}

export interface GFragmentDefinition {
  Name: string;
  VariableDefinition: GVariableDefinition[] | null;
  TypeCondition: string;
  Directives: GDirective[] | null;
  SelectionSet: GSelection[] | null;
  Definition: null;
  Position: Pos | null;
}

export interface GQueryDocument {
  Operations: GOperation[] | null;
  Fragments: GFragmentDefinition[] | null;
  Position: Pos | null;
}

export interface GOperationType {
  Operation: string;
  Type: string;
  Position: Pos | null;
}

export interface GSchemaDefinition {
  Description: string;
  Directives: GDirective[] | null;
  OperationTypes: GOperationType[] | null;
  Position: Pos | null;
}

export interface GArgumentDefinition {
  Description: string;
  Name: string;
  DefaultValue: GValue | null;
  Type: GType | null;
  Directives: GDirective[] | null;
  Position: Pos | null;
}

export interface GFieldDefinition extends GArgumentDefinition {
  Arguments: GArgumentDefinition[] | null;
}

export interface GEnumValue {
  Description: string;
  Name: string;
  Directives: GDirective[] | null;
  Position: Pos | null;
}

export interface GDefinition {
  Kind: string;
  Description: string;
  Name: string;
  Directives: GDirective[] | null;
  Interfaces: string[] | null;
  Fields: GFieldDefinition[] | null;
  Types: string[] | null;
  EnumValues: GEnumValue[] | null;
  Position: Pos | null;
  BuiltIn: boolean;
}

export interface GDirectiveDefinition {
  Description: string;
  Name: string;
  Arguments: GArgumentDefinition[] | null;
  Locations: string[] | null;
  IsRepeatable: boolean;
  Position: Pos | null;
}

export interface GSchemaDocument {
  Schema: GSchemaDefinition[] | null;
  SchemaExtension: GSchemaDefinition[] | null;
  Directives: GDirectiveDefinition[] | null;
  Definitions: GDefinition[] | null;
  Extensions: GDefinition[] | null;
  Position: Pos | null;
}

export function typeName(t: GType | null): string {
  if (t === null) return '';
  return t.Elem !== null ? typeName(t.Elem) : t.NamedType;
}

export function typeString(t: GType | null): string {
  if (t === null) return '';
  const inner = t.Elem !== null ? `[${typeString(t.Elem)}]` : t.NamedType;
  return t.NonNull ? `${inner}!` : inner;
}

/**
 * OPA's pruneIrrelevantGraphQLASTNodes: drops every `Position`, every null, and every array or
 * object that is empty once pruned (in objects and in arrays). Strings, numbers and booleans stay,
 * even when empty or false.
 */
export function prune(v: unknown): unknown {
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (const e of v) {
      if (e === null || e === undefined) continue;
      if (typeof e === 'object') {
        const p = prune(e);
        if (isEmpty(p)) continue;
        out.push(p);
      } else out.push(e);
    }
    return out;
  }
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, e] of Object.entries(v)) {
      if (k === 'Position' || e === null || e === undefined) continue;
      if (typeof e === 'object') {
        const p = prune(e);
        if (isEmpty(p)) continue;
        out[k] = p;
      } else out[k] = e;
    }
    return out;
  }
  return v;
}

function isEmpty(v: unknown): boolean {
  if (Array.isArray(v)) return v.length === 0;
  return v !== null && typeof v === 'object' && Object.keys(v).length === 0;
}
