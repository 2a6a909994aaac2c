// Validates a query document against a schema that passed ./schema.ts, with graphql-js's
// validation rules (the rules gqlparser ports from it, run in gqlparser's order), plus gqlparser's
// KnownRootType (an operation whose root type the schema lacks). Returns the errors in order, each
// with gqlparser's message and the line:column of the node it names.
import type { ArgumentNode, ASTNode, ConstValueNode, DefinitionNode, DirectiveNode, DocumentNode, NameNode, SelectionNode, SelectionSetNode, TypeNode, ValidationRule, ValueNode } from 'graphql';
import {
  isField, isInlineFragment,
  type GArgument, type GArgumentDefinition, type GDirective, type GQueryDocument, type GSelection, type GType, type GValue, type Pos,
} from './ast.ts';
import { graphql } from './lib.ts';
import { BUILTIN_DIRECTIVES, type Schema } from './schema.ts';

export interface QueryError {
  message: string;
  pos: Pos | null;
}

/** gqlparser's rules in the order it runs them (its files, alphabetically); KnownRootType is added apart. */
const RULES = [
  'FieldsOnCorrectTypeRule', 'FragmentsOnCompositeTypesRule', 'KnownArgumentNamesRule', 'KnownDirectivesRule', 'KnownFragmentNamesRule',
  'KnownRootType', 'KnownTypeNamesRule', 'LoneAnonymousOperationRule', 'NoFragmentCyclesRule', 'NoUndefinedVariablesRule',
  'NoUnusedFragmentsRule', 'NoUnusedVariablesRule', 'OverlappingFieldsCanBeMergedRule', 'PossibleFragmentSpreadsRule',
  'ProvidedRequiredArgumentsRule', 'ScalarLeafsRule', 'SingleFieldSubscriptionsRule', 'UniqueArgumentNamesRule',
  'UniqueDirectivesPerLocationRule', 'UniqueFragmentNamesRule', 'UniqueInputFieldNamesRule', 'UniqueOperationNamesRule',
  'UniqueVariableNamesRule', 'ValuesOfCorrectTypeRule', 'VariablesAreInputTypesRule', 'VariablesInAllowedPositionRule',
] as const;

const OPERATIONS = new Set(['query', 'mutation', 'subscription']);

class Converter {
  readonly positions = new WeakMap<object, Pos>();
  private readonly g = graphql();

  private at<T extends object>(node: T, pos: Pos | null): T {
    if (pos !== null) this.positions.set(node, pos);
    return node;
  }

  name(value: string): NameNode {
    return { kind: this.g.Kind.NAME, value };
  }

  type(t: GType | null): TypeNode {
    const K = this.g.Kind;
    const inner: TypeNode = t !== null && t.Elem !== null
      ? { kind: K.LIST_TYPE, type: this.type(t.Elem) }
      : { kind: K.NAMED_TYPE, name: this.name(t?.NamedType ?? '') };
    return this.at(t?.NonNull === true ? { kind: K.NON_NULL_TYPE, type: inner as never } : inner, t?.Position ?? null);
  }

  value(v: GValue | null): ValueNode {
    const K = this.g.Kind;
    if (v === null) return { kind: K.NULL };
    const children = v.Children ?? [];
    let node: ValueNode;
    switch (v.Kind) {
      case 0: node = { kind: K.VARIABLE, name: this.name(v.Raw) }; break;
      case 1: node = { kind: K.INT, value: v.Raw }; break;
      case 2: node = { kind: K.FLOAT, value: v.Raw }; break;
      case 3: node = { kind: K.STRING, value: v.Raw, block: false }; break;
      case 4: node = { kind: K.STRING, value: v.Raw, block: true }; break;
      case 5: node = { kind: K.BOOLEAN, value: v.Raw === 'true' }; break;
      case 6: node = { kind: K.NULL }; break;
      case 7: node = { kind: K.ENUM, value: v.Raw }; break;
      case 8: node = { kind: K.LIST, values: children.map((c) => this.value(c.Value)) }; break;
      case 9:
        node = { kind: K.OBJECT, fields: children.map((c) => this.at({ kind: K.OBJECT_FIELD, name: this.name(c.Name), value: this.value(c.Value) }, c.Position)) };
        break;
      default:
        throw new Error(`unknown value kind ${v.Kind}`);
    }
    return this.at(node, v.Position);
  }

  private args(args: GArgument[] | null): ArgumentNode[] {
    return (args ?? []).map((a) => this.at({ kind: this.g.Kind.ARGUMENT, name: this.name(a.Name), value: this.value(a.Value) }, a.Position));
  }

  directives(dirs: GDirective[] | null): DirectiveNode[] {
    return (dirs ?? []).map((d) => this.at({ kind: this.g.Kind.DIRECTIVE, name: this.name(d.Name), arguments: this.args(d.Arguments) }, d.Position));
  }

  selectionSet(sels: GSelection[] | null): SelectionSetNode {
    return { kind: this.g.Kind.SELECTION_SET, selections: (sels ?? []).map((s) => this.selection(s)) };
  }

  private selection(s: GSelection): SelectionNode {
    const K = this.g.Kind;
    if (isField(s)) {
      return this.at({
        kind: K.FIELD,
        alias: s.Alias !== '' && s.Alias !== s.Name ? this.name(s.Alias) : undefined,
        name: this.name(s.Name),
        arguments: this.args(s.Arguments),
        directives: this.directives(s.Directives),
        selectionSet: s.SelectionSet !== null && s.SelectionSet.length > 0 ? this.selectionSet(s.SelectionSet) : undefined,
      }, s.Position);
    }
    if (isInlineFragment(s)) {
      return this.at({
        kind: K.INLINE_FRAGMENT,
        typeCondition: s.TypeCondition !== '' ? { kind: K.NAMED_TYPE, name: this.name(s.TypeCondition) } : undefined,
        directives: this.directives(s.Directives),
        selectionSet: this.selectionSet(s.SelectionSet),
      }, s.Position);
    }
    return this.at({ kind: K.FRAGMENT_SPREAD, name: this.name(s.Name), directives: this.directives(s.Directives) }, s.Position);
  }

  query(doc: GQueryDocument): DocumentNode {
    const K = this.g.Kind;
    const definitions: DefinitionNode[] = [];
    for (const op of doc.Operations ?? []) {
      definitions.push(this.at({
        kind: K.OPERATION_DEFINITION,
        operation: op.Operation as never,
        name: op.Name !== '' ? this.name(op.Name) : undefined,
        variableDefinitions: (op.VariableDefinitions ?? []).map((v) => this.at({
          kind: K.VARIABLE_DEFINITION,
          variable: this.at({ kind: K.VARIABLE, name: this.name(v.Variable) }, v.Position),
          type: this.type(v.Type),
          defaultValue: v.DefaultValue !== null ? (this.value(v.DefaultValue) as ConstValueNode) : undefined,
          directives: this.directives(v.Directives) as never,
        }, v.Position)),
        directives: this.directives(op.Directives),
        selectionSet: this.selectionSet(op.SelectionSet),
      }, op.Position));
    }
    for (const f of doc.Fragments ?? []) {
      definitions.push(this.at({
        kind: K.FRAGMENT_DEFINITION,
        name: this.name(f.Name),
        typeCondition: { kind: K.NAMED_TYPE, name: this.name(f.TypeCondition) },
        directives: this.directives(f.Directives),
        selectionSet: this.selectionSet(f.SelectionSet),
      }, f.Position));
    }
    return { kind: K.DOCUMENT, definitions };
  }

  private inputValues(args: GArgumentDefinition[] | null): never[] {
    return (args ?? []).map((a) => ({
      kind: this.g.Kind.INPUT_VALUE_DEFINITION, name: this.name(a.Name), type: this.type(a.Type),
      defaultValue: a.DefaultValue !== null ? this.value(a.DefaultValue) : undefined,
    })) as never[];
  }

  /** The schema's user-defined types and directives as SDL; graphql-js adds the built-in ones itself. */
  schema(s: Schema): DocumentNode {
    const K = this.g.Kind;
    const definitions: DefinitionNode[] = [];
    const named = (n: string): never => ({ kind: K.NAMED_TYPE, name: this.name(n) }) as never;
    for (const def of s.types.values()) {
      if (def.BuiltIn) continue;
      const name = this.name(def.Name);
      const fields = (def.Fields ?? []).map((f) => ({ kind: K.FIELD_DEFINITION, name: this.name(f.Name), arguments: this.inputValues(f.Arguments), type: this.type(f.Type) })) as never[];
      switch (def.Kind) {
        case 'SCALAR': definitions.push({ kind: K.SCALAR_TYPE_DEFINITION, name }); break;
        case 'OBJECT': definitions.push({ kind: K.OBJECT_TYPE_DEFINITION, name, interfaces: (def.Interfaces ?? []).map(named), fields }); break;
        case 'INTERFACE': definitions.push({ kind: K.INTERFACE_TYPE_DEFINITION, name, interfaces: (def.Interfaces ?? []).map(named), fields }); break;
        case 'UNION': definitions.push({ kind: K.UNION_TYPE_DEFINITION, name, types: (def.Types ?? []).map(named) }); break;
        case 'ENUM':
          definitions.push({ kind: K.ENUM_TYPE_DEFINITION, name, values: (def.EnumValues ?? []).map((v) => ({ kind: K.ENUM_VALUE_DEFINITION, name: this.name(v.Name) })) });
          break;
        case 'INPUT_OBJECT': definitions.push({ kind: K.INPUT_OBJECT_TYPE_DEFINITION, name, fields: this.inputValues(def.Fields) }); break;
        default: throw new Error(`unknown type kind ${def.Kind}`);
      }
    }
    for (const d of s.directives.values()) {
      if (BUILTIN_DIRECTIVES.has(d.Name)) continue;
      definitions.push({
        kind: K.DIRECTIVE_DEFINITION, name: this.name(d.Name), arguments: this.inputValues(d.Arguments), repeatable: d.IsRepeatable,
        locations: (d.Locations ?? []).map((l) => this.name(l)),
      });
    }
    const roots = ([['query', s.query], ['mutation', s.mutation], ['subscription', s.subscription]] as const).filter(([, d]) => d !== null);
    if (roots.length > 0) {
      definitions.push({
        kind: K.SCHEMA_DEFINITION,
        operationTypes: roots.map(([operation, d]) => ({ kind: K.OPERATION_TYPE_DEFINITION, operation: operation as never, type: named(d?.Name ?? '') })),
      });
    }
    return { kind: K.DOCUMENT, definitions };
  }
}

export function validateQuery(s: Schema, doc: GQueryDocument): QueryError[] {
  const g = graphql();
  for (const op of doc.Operations ?? []) {
    if (!OPERATIONS.has(op.Operation)) return [{ message: `got unknown operation type "${op.Operation}"`, pos: op.Position }];
  }
  const c = new Converter();
  const schema = g.buildASTSchema(c.schema(s), { assumeValid: true, assumeValidSDL: true });
  const knownRootType: ValidationRule = (context) => ({
    OperationDefinition(node) {
      if (schema.getRootType(node.operation) === undefined) {
        context.reportError(new g.GraphQLError(`Schema does not support operation type "${node.operation}"`, { nodes: node }));
      }
    },
  });
  const byName = g as unknown as Record<string, ValidationRule>;
  const rules = RULES.map((r) => (r === 'KnownRootType' ? knownRootType : byName[r])).filter((r): r is ValidationRule => r !== undefined);
  const errors = g.validate(schema, c.query(doc), rules);
  return errors.map((e) => {
    const node: ASTNode | undefined = e.nodes?.[0];
    return { message: e.message, pos: node !== undefined ? (c.positions.get(node) ?? null) : null };
  });
}

