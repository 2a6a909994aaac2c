// Parses GraphQL query and schema documents into OPA's AST (./ast.ts) with OPA's errors. The
// tokens come from ./lexer.ts (gqlparser's lexing); the grammar is gqlparser's (what OPA runs), which differs
// from graphql-js's parser in ways OPA's answers show: an empty document is valid, `()` is an empty
// argument list, a query document holds only operations and fragments, `{}` is "expected at least
// one definition", and a string token is placed after its opening quote. Errors are
// `GraphQLParseError`s carrying gqlparser's message and line:column.
import {
  VK,
  type GArgument, type GArgumentDefinition, type GDefinition, type GDirective, type GDirectiveDefinition, type GEnumValue,
  type GFieldDefinition, type GFragmentDefinition, type GOperation, type GOperationType, type GQueryDocument, type GSchemaDefinition,
  type GSchemaDocument, type GSelection, type GType, type GValue, type GVariableDefinition, type Pos,
} from './ast.ts';
import { Lexer, type Tok } from './lexer.ts';

export class GraphQLParseError extends Error {
  constructor(message: string, readonly pos: Pos) {
    super(message);
    this.name = 'GraphQLParseError';
  }
}

/** Go's strconv.Quote, as gqlparser prints token values. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

function describe(t: Tok): string {
  return t.value !== '' ? `${t.kind} ${goQuote(t.value)}` : t.kind;
}

const LOCATIONS = new Set([
  'QUERY', 'MUTATION', 'SUBSCRIPTION', 'FIELD', 'FRAGMENT_DEFINITION', 'FRAGMENT_SPREAD', 'INLINE_FRAGMENT', 'VARIABLE_DEFINITION',
  'SCHEMA', 'SCALAR', 'OBJECT', 'FIELD_DEFINITION', 'ARGUMENT_DEFINITION', 'INTERFACE', 'UNION', 'ENUM', 'ENUM_VALUE',
  'INPUT_OBJECT', 'INPUT_FIELD_DEFINITION',
]);

class Parser {
  private readonly lexer: Lexer;
  private peeked: Tok | null = null;
  private prev: Tok | null = null;

  constructor(body: string) {
    this.lexer = new Lexer(body);
  }

  peek(): Tok {
    this.peeked ??= this.lexer.read();
    return this.peeked;
  }

  next(): Tok {
    const t = this.peek();
    if (t.lexError !== undefined) throw new GraphQLParseError(t.lexError, t.pos);
    this.peeked = null;
    this.prev = t;
    return t;
  }

  fail(t: Tok, message: string): never {
    throw new GraphQLParseError(message, t.pos);
  }

  unexpected(t: Tok = this.peek()): never {
    this.fail(t, `Unexpected ${describe(t)}`);
  }

  expect(kind: string): Tok {
    const t = this.peek();
    if (t.kind === kind) return this.next();
    this.fail(t, `Expected ${kind}, found ${t.kind}`);
  }

  expectKeyword(value: string): Tok {
    const t = this.peek();
    if (t.kind === 'Name' && t.value === value) return this.next();
    this.fail(t, `Expected ${goQuote(value)}, found ${describe(t)}`);
  }

  skip(kind: string): boolean {
    if (this.peek().kind !== kind) return false;
    this.next();
    return true;
  }

  /** Zero or more items between start and end (absent when start is absent). */
  many<T>(start: string, end: string, item: () => T): T[] | null {
    if (!this.skip(start)) return null;
    const out: T[] = [];
    while (this.peek().kind !== end) out.push(item());
    this.next();
    return out;
  }

  /** One or more items between start and end (absent when start is absent). */
  some<T>(start: string, end: string, item: () => T): T[] | null {
    if (!this.skip(start)) return null;
    const out: T[] = [];
    while (this.peek().kind !== end) out.push(item());
    if (out.length === 0) this.fail(this.peek(), `expected at least one definition, found ${this.peek().kind}`);
    this.next();
    return out;
  }

  name(): string {
    return this.expect('Name').value;
  }

  // ---- query documents -----------------------------------------------------------------------

  queryDocument(): GQueryDocument {
    const doc: GQueryDocument = { Operations: null, Fragments: null, Position: null };
    while (this.peek().kind !== '<EOF>') {
      const t = this.peek();
      doc.Position = t.pos;
      if (t.kind === 'Name' && (t.value === 'query' || t.value === 'mutation' || t.value === 'subscription')) {
        (doc.Operations ??= []).push(this.operation());
      } else if (t.kind === 'Name' && t.value === 'fragment') {
        (doc.Fragments ??= []).push(this.fragmentDefinition());
      } else if (t.kind === '{') {
        (doc.Operations ??= []).push(this.operation());
      } else this.unexpected();
    }
    return doc;
  }

  private operation(): GOperation {
    const pos = this.peek().pos;
    if (this.peek().kind === '{') {
      return { Operation: 'query', Name: '', VariableDefinitions: null, Directives: null, SelectionSet: this.requiredSelectionSet(), Position: pos };
    }
    const Operation = this.operationType();
    const Name = this.peek().kind === 'Name' ? this.next().value : '';
    const VariableDefinitions = this.variableDefinitions();
    const Directives = this.directives(false);
    return { Operation, Name, VariableDefinitions, Directives, SelectionSet: this.requiredSelectionSet(), Position: pos };
  }

  private operationType(): string {
    const t = this.next();
    if (t.value === 'query' || t.value === 'mutation' || t.value === 'subscription') return t.value;
    this.unexpected(t);
  }

  private variableDefinitions(): GVariableDefinition[] | null {
    return this.many('(', ')', () => {
      const pos = this.peek().pos;
      this.expect('$');
      const Variable = this.name();
      this.expect(':');
      const Type = this.typeReference();
      const DefaultValue = this.skip('=') ? this.value(true) : null;
      const Directives = this.directives(false);
      return { Variable, Type, DefaultValue, Directives, Definition: null, Used: false, Position: pos };
    });
  }

  private requiredSelectionSet(): GSelection[] | null {
    const t = this.peek();
    if (t.kind !== '{') this.fail(t, `Expected {, found ${t.kind}`);
    return this.some('{', '}', () => this.selection());
  }

  private selection(): GSelection {
    if (this.peek().kind === '...') return this.fragment();
    const Position = this.peek().pos;
    const Alias = this.name();
    const Name = this.skip(':') ? this.name() : Alias;
    const Arguments = this.arguments(false);
    const Directives = this.directives(false);
    const SelectionSet = this.peek().kind === '{' ? this.some('{', '}', () => this.selection()) : null;
    return { Alias, Name, Arguments, Directives, SelectionSet, Position, Definition: null, ObjectDefinition: null };
  }

  private arguments(isConst: boolean): GArgument[] | null {
    return this.many('(', ')', () => {
      const Position = this.peek().pos;
      const Name = this.name();
      this.expect(':');
      return { Name, Value: this.value(isConst), Position };
    });
  }

  private fragment(): GSelection {
    this.expect('...');
    const t = this.peek();
    if (t.kind === 'Name' && t.value !== 'on') {
      const Name = this.fragmentName();
      return { Name, Directives: this.directives(false), ObjectDefinition: null, Definition: null, Position: t.pos };
    }
    let TypeCondition = '';
    if (t.value === 'on') {
      this.next();
      TypeCondition = this.name();
    }
    const Directives = this.directives(false);
    return { TypeCondition, Directives, SelectionSet: this.requiredSelectionSet(), ObjectDefinition: null, Position: t.pos };
  }

  private fragmentDefinition(): GFragmentDefinition {
    const Position = this.peek().pos;
    this.expectKeyword('fragment');
    const Name = this.fragmentName();
    const VariableDefinition = this.variableDefinitions();
    this.expectKeyword('on');
    const TypeCondition = this.name();
    const Directives = this.directives(false);
    return { Name, VariableDefinition, TypeCondition, Directives, SelectionSet: this.requiredSelectionSet(), Definition: null, Position };
  }

  private fragmentName(): string {
    if (this.peek().value === 'on') this.unexpected();
    return this.name();
  }

  value(isConst: boolean): GValue {
    const t = this.peek();
    const v = (Kind: number, Raw: string, Children: GValue['Children'] = null): GValue => ({
      Raw, Children, Kind, Position: t.pos, Definition: null, VariableDefinition: null, ExpectedType: null, ExpectedTypeHasDefault: false,
    });
    switch (t.kind) {
      case '[':
        return v(VK.List, '', this.many('[', ']', () => ({ Name: '', Value: this.value(isConst), Position: null })));
      case '{':
        return v(VK.Object, '', this.many('{', '}', () => {
          const Position = this.peek().pos;
          const Name = this.name();
          this.expect(':');
          return { Name, Value: this.value(isConst), Position };
        }));
      case '$':
        if (isConst) this.unexpected();
        this.next();
        return v(VK.Variable, this.name());
      case 'Int':
      case 'Float':
      case 'String':
      case 'BlockString':
      case 'Name': {
        const kind = t.kind === 'Int' ? VK.Int : t.kind === 'Float' ? VK.Float : t.kind === 'String' ? VK.String : t.kind === 'BlockString' ? VK.Block
          : t.value === 'true' || t.value === 'false' ? VK.Boolean : t.value === 'null' ? VK.Null : VK.Enum;
        this.next();
        return v(kind, t.value);
      }
      default:
        this.unexpected();
    }
  }

  private directives(isConst: boolean): GDirective[] | null {
    let out: GDirective[] | null = null;
    while (this.peek().kind === '@') {
      this.next();
      const Position = this.peek().pos;
      const Name = this.name();
      (out ??= []).push({ Name, Arguments: this.arguments(isConst), Position, ParentDefinition: null, Definition: null, Location: '' });
    }
    return out;
  }

  private typeReference(): GType {
    const t: GType = { NamedType: '', Elem: null, NonNull: false, Position: null };
    if (this.skip('[')) {
      t.Position = this.peek().pos;
      t.Elem = this.typeReference();
      this.expect(']');
    } else {
      t.Position = this.peek().pos;
      t.NamedType = this.name();
    }
    if (this.skip('!')) {
      t.Position = this.peek().pos;
      t.NonNull = true;
    }
    return t;
  }

  // ---- schema documents ----------------------------------------------------------------------

  schemaDocument(builtIn: boolean): GSchemaDocument {
    const doc: GSchemaDocument = { Schema: null, SchemaExtension: null, Directives: null, Definitions: null, Extensions: null, Position: this.peek().pos };
    while (this.peek().kind !== '<EOF>') {
      let description = '';
      if (this.peek().kind === 'BlockString' || this.peek().kind === 'String') description = this.next().value;
      const t = this.peek();
      if (t.kind !== 'Name') this.unexpected();
      switch (t.value) {
        case 'scalar': case 'type': case 'interface': case 'union': case 'enum': case 'input':
          (doc.Definitions ??= []).push({ ...this.typeDefinition(t.value, description, false), BuiltIn: builtIn });
          break;
        case 'schema':
          this.expectKeyword('schema');
          (doc.Schema ??= []).push(this.schemaDefinition(description, false));
          break;
        case 'directive':
          (doc.Directives ??= []).push(this.directiveDefinition(description));
          break;
        case 'extend': {
          if (description !== '' && this.prev !== null) this.unexpected(this.prev);
          this.expectKeyword('extend');
          const k = this.peek().value;
          if (k === 'schema') {
            this.next();
            (doc.SchemaExtension ??= []).push(this.schemaDefinition('', true));
          } else if (['scalar', 'type', 'interface', 'union', 'enum', 'input'].includes(k)) {
            (doc.Extensions ??= []).push({ ...this.typeDefinition(k, '', true), BuiltIn: builtIn });
          } else this.unexpected();
          break;
        }
        default:
          this.unexpected();
      }
    }
    return doc;
  }

  private schemaDefinition(Description: string, extension: boolean): GSchemaDefinition {
    const Position = this.peek().pos;
    const Directives = this.directives(true);
    const OperationTypes = this.some('{', '}', (): GOperationType => {
      const pos = this.peek().pos;
      const Operation = this.operationType();
      this.expect(':');
      return { Operation, Type: this.name(), Position: pos };
    });
    if (extension && Directives === null && OperationTypes === null) this.unexpected();
    return { Description, Directives, OperationTypes, Position };
  }

  private typeDefinition(keyword: string, Description: string, extension: boolean): GDefinition {
    this.expectKeyword(keyword);
    const kinds: Record<string, string> = { scalar: 'SCALAR', type: 'OBJECT', interface: 'INTERFACE', union: 'UNION', enum: 'ENUM', input: 'INPUT_OBJECT' };
    const def: GDefinition = {
      Kind: kinds[keyword] ?? '', Description, Name: '', Directives: null, Interfaces: null, Fields: null, Types: null, EnumValues: null,
      Position: this.peek().pos, BuiltIn: false,
    };
    def.Name = this.name();
    if (keyword === 'type' || (keyword === 'interface' && !extension)) def.Interfaces = this.implementsInterfaces();
    // An input object's extension takes variables in its directives (gqlparser parses it non-const).
    def.Directives = this.directives(!(extension && keyword === 'input'));
    if (keyword === 'type' || keyword === 'interface') def.Fields = this.some('{', '}', () => this.fieldDefinition());
    else if (keyword === 'input') def.Fields = this.some('{', '}', () => ({ ...this.inputValueDefinition(), Arguments: null }));
    else if (keyword === 'union') def.Types = this.unionMembers();
    else if (keyword === 'enum') def.EnumValues = this.some('{', '}', (): GEnumValue => ({ Position: this.peek().pos, Description: this.description(), Name: this.name(), Directives: this.directives(true) }));
    if (extension) {
      const empty = (l: unknown[] | null): boolean => l === null || l.length === 0;
      if (empty(def.Directives) && empty(def.Interfaces) && empty(def.Fields) && empty(def.Types) && empty(def.EnumValues)) this.unexpected();
    }
    return def;
  }

  private description(): string {
    const k = this.peek().kind;
    return k === 'BlockString' || k === 'String' ? this.next().value : '';
  }

  private implementsInterfaces(): string[] | null {
    if (this.peek().value !== 'implements') return null;
    this.next();
    this.skip('&');
    const out = [this.name()];
    while (this.skip('&')) out.push(this.name());
    return out;
  }

  private unionMembers(): string[] | null {
    if (!this.skip('=')) return null;
    this.skip('|');
    const out = [this.name()];
    while (this.skip('|')) out.push(this.name());
    return out;
  }

  private fieldDefinition(): GFieldDefinition {
    const Position = this.peek().pos;
    const Description = this.description();
    const Name = this.name();
    const Arguments = this.argumentDefinitions();
    this.expect(':');
    const Type = this.typeReference();
    return { Description, Name, Arguments, DefaultValue: null, Type, Directives: this.directives(true), Position };
  }

  private argumentDefinitions(): GArgumentDefinition[] | null {
    return this.some('(', ')', () => this.inputValueDefinition());
  }

  /** An argument definition, or an input field (a FieldDefinition without arguments). */
  private inputValueDefinition(): GArgumentDefinition {
    const Position = this.peek().pos;
    const Description = this.description();
    const Name = this.name();
    this.expect(':');
    const Type = this.typeReference();
    const DefaultValue = this.skip('=') ? this.value(true) : null;
    return { Description, Name, DefaultValue, Type, Directives: this.directives(true), Position };
  }

  private directiveDefinition(Description: string): GDirectiveDefinition {
    this.expectKeyword('directive');
    this.expect('@');
    const Position = this.peek().pos;
    const Name = this.name();
    const Arguments = this.argumentDefinitions();
    let IsRepeatable = false;
    const t = this.peek();
    if (t.kind === 'Name' && t.value === 'repeatable') {
      IsRepeatable = true;
      this.next();
    }
    this.expectKeyword('on');
    this.skip('|');
    const Locations = [this.directiveLocation()];
    while (this.skip('|')) Locations.push(this.directiveLocation());
    return { Description, Name, Arguments, Locations, IsRepeatable, Position };
  }

  private directiveLocation(): string {
    const t = this.expect('Name');
    if (!LOCATIONS.has(t.value)) this.unexpected(t);
    return t.value;
  }
}

export function parseQuery(source: string): GQueryDocument {
  return new Parser(source).queryDocument();
}

export function parseSchema(source: string, builtIn = false): GSchemaDocument {
  return new Parser(source).schemaDocument(builtIn);
}
