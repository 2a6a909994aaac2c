// The Rego abstract syntax tree, modelled on OPA's `ast` package (v1 syntax, v0 accepted).
//
// Produced by the parser (compiler/src/parser/), rewritten by the checks (compiler/src/check/),
// consumed by the planner (compiler/src/planner/). Plain data: discriminated unions on `type`,
// no classes, so stages can be tested alone and nodes printed as JSON.
//
// Conventions (mirroring OPA):
// - A Term is a Value plus the place it was written.
// - A Ref is a head term (usually a Var: `data`, `input`, a local, a builtin namespace) followed
//   by path terms: `a.b[x]["c"]` = head Var a, path [String "b", Var x, String "c"].
// - Infix operators are calls of OPA's builtin names (`x == y` is the call `equal(x, y)`,
//   `x := y` is `assign(x, y)`, `x = y` is `eq(x, y)`, `x in xs` is `internal.member_2(x, xs)`).
// - An expression that is a call (`count(x) > 1`, `x = y`, `f(x)`) has `terms` = Term[] whose
//   first element is the operator (a Ref term, e.g. `regex.match`) followed by the arguments,
//   exactly like OPA's Expr.Terms. A call nested inside a term (`y := count(x)`) is a Term whose
//   value is a Call.
// - Wildcards `_` are Vars named `_` in parser output; the checks rename each to a unique
//   generated name (see compiler/src/frontend.ts for what checkModules guarantees).

export interface Location {
  file: string;
  /** 1-based line. */
  row: number;
  /** 1-based column (in UTF-16 code units of the line). */
  col: number;
}

// ---------------------------------------------------------------------------------------------
// Values and terms

export interface NullValue {
  type: 'null';
}
export interface BooleanValue {
  type: 'boolean';
  value: boolean;
}
/** Numbers keep their literal text (e.g. "1e400", "0.1", "-3"), so precision is never lost. */
export interface NumberValue {
  type: 'number';
  text: string;
}
/** Strings hold the decoded value (escapes resolved; raw strings verbatim). */
export interface StringValue {
  type: 'string';
  value: string;
}
export interface VarValue {
  type: 'var';
  name: string;
}
export interface RefValue {
  type: 'ref';
  head: Term;
  path: Term[];
}
export interface ArrayValue {
  type: 'array';
  items: Term[];
}
export interface ObjectValue {
  type: 'object';
  items: [key: Term, value: Term][];
}
export interface SetValue {
  type: 'set';
  items: Term[];
}
export interface ArrayComprehension {
  type: 'arraycomprehension';
  term: Term;
  body: Body;
}
export interface SetComprehension {
  type: 'setcomprehension';
  term: Term;
  body: Body;
}
export interface ObjectComprehension {
  type: 'objectcomprehension';
  key: Term;
  value: Term;
  body: Body;
}
/** A call used as a term: `count(x)` in `n := count(x)`. operator is a Ref term. */
export interface CallValue {
  type: 'call';
  operator: Term;
  args: Term[];
}

export type Value =
  | NullValue
  | BooleanValue
  | NumberValue
  | StringValue
  | VarValue
  | RefValue
  | ArrayValue
  | ObjectValue
  | SetValue
  | ArrayComprehension
  | SetComprehension
  | ObjectComprehension
  | CallValue;

export type ValueType = Value['type'];

export interface Term<V extends Value = Value> {
  value: V;
  location: Location;
}

// ---------------------------------------------------------------------------------------------
// Expressions and bodies

/** `with target as value`; target is a Ref term (input…, data…, or a function/builtin ref). */
export interface With {
  type: 'with';
  target: Term;
  value: Term;
  location: Location;
}

/** `some x, y` (vars only). */
export interface SomeDecl {
  type: 'some';
  vars: Term<VarValue>[];
  location: Location;
}

/** `some v in xs` / `some k, v in xs`; key/value may be patterns such as `[a, b]`. */
export interface SomeIn {
  type: 'somein';
  key: Term | null;
  value: Term;
  domain: Term;
  location: Location;
}

/** `every v in xs { … }` / `every k, v in xs { … }`. */
export interface Every {
  type: 'every';
  key: Term | null;
  value: Term;
  domain: Term;
  body: Body;
  location: Location;
}

/**
 * The four shapes of an expression:
 * - Term: a single term that must be defined and not false (`input.admin`, `true`, `x`);
 * - Term[]: a call, [operator, ...args] (infix included: `x > 1` = [Ref gt, x, 1]);
 * - SomeDecl / SomeIn: declarations;
 * - Every: universal quantification.
 */
export type ExprTerms = Term | Term[] | SomeDecl | SomeIn | Every;

export interface Expr {
  type: 'expr';
  terms: ExprTerms;
  negated: boolean;
  with: With[];
  /** Position in the (original, then reordered) body; the checks renumber after reordering. */
  index: number;
  location: Location;
  /** True for expressions the compiler generated (not written by the user). */
  generated?: boolean;
}

export type Body = Expr[];

// ---------------------------------------------------------------------------------------------
// Rules and modules

export interface Head {
  /**
   * The full rule ref as written: `p` → [Var p]; `a.b.c` → [Var a, String b, String c];
   * `p[x] := 1` → [Var p, Var x]; `a.b[x] contains y` → [Var a, String b, Var x] (the set lives
   * at that ref). For a v0 partial set `p[x] { … }` the ref is [Var p] and x is the key.
   * For single-value rules the ref alone says where the value goes; use it, not `key`.
   */
  ref: Term[];
  /** First element of ref (`p` for `p[x]`, `a` for `a.b.c`). */
  name: string;
  /**
   * Function arguments; null for non-function rules. After the checks: patterns only (vars,
   * scalars, arrays/objects of them); a computed argument became a var unified in the body.
   * Each else rule of a function carries its own (separately renamed) copy of the arguments.
   */
  args: Term[] | null;
  /**
   * Key of a multi-value (partial set) rule, or the last ref element of a v0 partial object
   * `p[k] = v` / a ref head `p[k] := v` (then also the last element of ref). Null otherwise.
   */
  key: Term | null;
  /** Value; for rules written without one (`p if …`, `p { … }`) a generated `true`. Null for `contains`/v0 `p[x] { }`. */
  value: Term | null;
  /** Written with `:=` (true) or `=`/implicit (false). */
  assign: boolean;
  /** Multi-value (partial set) rule: `p contains x` or v0 `p[x] { … }` without a value. */
  contains: boolean;
  /**
   * Set by the checks for a function declared without arguments (`f() := …`): it is planned as a
   * value rule (args null) so `f` and `f()` both give its value, but like any function it is not
   * part of its package's document.
   */
  zeroArgFunction?: boolean;
  location: Location;
}

export interface Rule {
  type: 'rule';
  head: Head;
  /** Empty body is written as a generated `true` expression (like OPA). */
  body: Body;
  /** `else` chain: each else is a Rule whose head carries the else value. */
  else: Rule | null;
  default: boolean;
  location: Location;
  /** File the rule came from (same as location.file). */
  file: string;
  /** `# METADATA` blocks written right above the rule (rule/document scope). */
  annotations?: Annotation[];
}

export interface Package {
  /** The package path as a ref headed by `data`: `package a.b` → data.a.b. */
  path: Term<RefValue>;
  location: Location;
  /** `# METADATA` blocks written right above the package (package/subpackages scope). */
  annotations?: Annotation[];
}

/** A `# METADATA` block as OPA reports it (JSON): scope, title, description, authors… */
export type Annotation = { scope: string } & Record<string, JsonValue>;
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface Import {
  /** `data.x.y`, `input.z`, `future.keywords.in`, `rego.v1` as a ref term. */
  path: Term<RefValue>;
  alias: string | null;
  location: Location;
}

export interface Module {
  type: 'module';
  file: string;
  package: Package;
  imports: Import[];
  rules: Rule[];
  /**
   * 1 when the module imports `rego.v1` or uses `if`/`contains`; 0 for plain v0 modules. Only an
   * explicit `import rego.v1` makes the parser strict (`if`/`contains` required).
   */
  regoVersion: 0 | 1;
}

/** What a rule defines, derived from its head (OPA's RuleKind + function-ness). */
export type RuleKind = 'complete' | 'partial-set' | 'partial-object' | 'function';

// ---------------------------------------------------------------------------------------------
// Type guards and small helpers

export function isNull(t: Term): t is Term<NullValue> {
  return t.value.type === 'null';
}
export function isBoolean(t: Term): t is Term<BooleanValue> {
  return t.value.type === 'boolean';
}
export function isNumber(t: Term): t is Term<NumberValue> {
  return t.value.type === 'number';
}
export function isString(t: Term): t is Term<StringValue> {
  return t.value.type === 'string';
}
export function isVar(t: Term): t is Term<VarValue> {
  return t.value.type === 'var';
}
export function isRef(t: Term): t is Term<RefValue> {
  return t.value.type === 'ref';
}
export function isArray(t: Term): t is Term<ArrayValue> {
  return t.value.type === 'array';
}
export function isObject(t: Term): t is Term<ObjectValue> {
  return t.value.type === 'object';
}
export function isSet(t: Term): t is Term<SetValue> {
  return t.value.type === 'set';
}
export function isCall(t: Term): t is Term<CallValue> {
  return t.value.type === 'call';
}
export function isComprehension(
  t: Term,
): t is Term<ArrayComprehension | SetComprehension | ObjectComprehension> {
  const k = t.value.type;
  return k === 'arraycomprehension' || k === 'setcomprehension' || k === 'objectcomprehension';
}
/** Scalars: null, boolean, number, string. */
export function isScalar(t: Term): t is Term<NullValue | BooleanValue | NumberValue | StringValue> {
  const k = t.value.type;
  return k === 'null' || k === 'boolean' || k === 'number' || k === 'string';
}

export function isCallExpr(e: Expr): e is Expr & { terms: Term[] } {
  return Array.isArray(e.terms);
}
export function isTermExpr(e: Expr): e is Expr & { terms: Term } {
  return !Array.isArray(e.terms) && !('type' in e.terms);
}
export function isSomeExpr(e: Expr): e is Expr & { terms: SomeDecl | SomeIn } {
  return !Array.isArray(e.terms) && 'type' in e.terms && (e.terms.type === 'some' || e.terms.type === 'somein');
}
export function isEveryExpr(e: Expr): e is Expr & { terms: Every } {
  return !Array.isArray(e.terms) && 'type' in e.terms && e.terms.type === 'every';
}

/**
 * Dotted name of a ref whose elements are a var followed by strings (`regex.match`, `data.a.b`);
 * null if any path element is not a plain string.
 */
export function refName(ref: RefValue): string | null {
  if (ref.head.value.type !== 'var') return null;
  const parts = [ref.head.value.name];
  for (const p of ref.path) {
    if (p.value.type !== 'string') return null;
    parts.push(p.value.value);
  }
  return parts.join('.');
}

/** Operator name of a call expression or call term (`eq`, `plus`, `count`, `data.pkg.f`). */
export function operatorName(op: Term): string | null {
  if (op.value.type === 'var') return op.value.name;
  if (op.value.type === 'ref') return refName(op.value);
  return null;
}

/** Operator name of a call expression (`x = y` → "eq"); null if the expression is not a call. */
export function exprOperator(e: Expr): string | null {
  if (!isCallExpr(e)) return null;
  const op = e.terms[0];
  return op ? operatorName(op) : null;
}

export function ruleKind(rule: Rule): RuleKind {
  const h = rule.head;
  if (h.args !== null) return 'function';
  if (h.contains) return 'partial-set';
  // A ref head with a non-string element after the name (`p[k] := v`, `a.b[k] := v`) builds an object.
  if (h.ref.slice(1).some((t) => t.value.type !== 'string')) return 'partial-object';
  return 'complete';
}

/** Builders used by the parser and the checks. */
export function term<V extends Value>(value: V, location: Location): Term<V> {
  return { value, location };
}
export function varTerm(name: string, location: Location): Term<VarValue> {
  return term({ type: 'var', name }, location);
}
export function stringTerm(value: string, location: Location): Term<StringValue> {
  return term({ type: 'string', value }, location);
}
export function booleanTerm(value: boolean, location: Location): Term<BooleanValue> {
  return term({ type: 'boolean', value }, location);
}
/** A ref term for a dotted name, e.g. refTerm("regex.match") or refTerm("data.a.b"). */
export function refTerm(dotted: string, location: Location): Term<RefValue> {
  const [head = '', ...rest] = dotted.split('.');
  return term(
    { type: 'ref', head: varTerm(head, location), path: rest.map((s) => stringTerm(s, location)) },
    location,
  );
}

/** Infix operator → OPA builtin name. */
export const INFIX_OPERATORS: Readonly<Record<string, string>> = {
  '=': 'eq',
  ':=': 'assign',
  '==': 'equal',
  '!=': 'neq',
  '<': 'lt',
  '<=': 'lte',
  '>': 'gt',
  '>=': 'gte',
  '+': 'plus',
  '-': 'minus',
  '*': 'mul',
  '/': 'div',
  '%': 'rem',
  '&': 'and',
  '|': 'or',
};
/** `x in xs` and `k, v in xs` as calls. */
export const MEMBER_2 = 'internal.member_2';
export const MEMBER_3 = 'internal.member_3';
/**
 * String interpolation `$"a {x} b"` is parsed as internal.template_string(["a ", {v | v = x}, " b"]):
 * one set comprehension per embedded expression (empty set = undefined, printed `<undefined>`).
 */
export const TEMPLATE_STRING = 'internal.template_string';
