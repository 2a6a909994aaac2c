import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ruleKind, type Module } from '../../../compiler/src/ast.ts';
import { formatDiagnostic, parseModule } from '../../../compiler/src/frontend.ts';
import { show, showBody, showExpr, showHead } from './show.ts';

function mod(src: string): Module {
  const r = parseModule(src, 'p.rego');
  assert.ok(r.module, `expected to parse:\n${src}\n${r.diagnostics.map(formatDiagnostic).join('\n')}`);
  return r.module;
}
function body(src: string): string {
  return showBody(mod(`package t\np if {\n${src}\n}`).rules[0]!.body);
}
function parseError(src: string): string {
  const r = parseModule(src, 'bad.rego');
  assert.equal(r.module, undefined, `expected a parse error:\n${src}`);
  assert.equal(r.diagnostics.length, 1);
  return formatDiagnostic(r.diagnostics[0]!);
}

test('parser: package and imports', () => {
  const m = mod('package a.b["c"]\nimport data.x.y as z\nimport input.q\nimport future.keywords.in\nimport rego.v1\n');
  assert.equal(show(m.package.path), 'data.a.b.c');
  assert.deepEqual(m.imports.map((i) => [show(i.path), i.alias]), [
    ['data.x.y', 'z'],
    ['input.q', null],
    ['future.keywords.in', null],
    ['rego.v1', null],
  ]);
  assert.equal(m.regoVersion, 1);
  assert.equal(mod('package a\np { true }').regoVersion, 0);
});

test('parser: rule forms and kinds (v1 and v0)', () => {
  const m = mod(`package t
p := 1
q if input.x > 1
r if { true }
s contains x if { some x in input.xs }
o[k] := v if { some k, v in input.o }
a.b.c := 2
a.b[x] contains x if { x := 1 }
f(x) := x + 1
f(x, y) := 2 if { x > y }
default g := false
v0[x] { x := 1 }
obj[k] = v { k := "a"; v := 1 }
w = 1 { true } { false }
`);
  assert.deepEqual(
    m.rules.map((r) => `${showHead(r)} :: ${ruleKind(r)}`),
    [
      'p := 1 :: complete',
      'q = true :: complete',
      'r = true :: complete',
      's contains x :: partial-set',
      'o[k] := v :: partial-object',
      'a.b.c := 2 :: complete',
      'a.b[x] contains x :: partial-set',
      'f(x) := plus(x, 1) :: function',
      'f(x, y) := 2 :: function',
      'default g := false :: complete',
      'v0 contains x :: partial-set',
      'obj[k] = v :: partial-object',
      'w = 1 :: complete',
      'w = 1 :: complete',
    ],
  );
  const w = m.rules.filter((r) => r.head.name === 'w');
  assert.deepEqual(w.map((r) => showBody(r.body)), ['true', 'false']);
  // `p[x] if …` is a single-value ref rule, not a partial set
  const px = mod('package t\np[x] if { x := 1 }').rules[0]!;
  assert.equal(ruleKind(px), 'partial-object');
  assert.equal(show(px.head.value!), 'true');
});

test('parser: else chains', () => {
  const r = mod('package t\np := 1 if { input.a } else := 2 if { input.b } else := 3').rules[0]!;
  assert.equal(show(r.head.value!), '1');
  assert.equal(show(r.else!.head.value!), '2');
  assert.equal(showBody(r.else!.body), 'input.b');
  assert.equal(show(r.else!.else!.head.value!), '3');
  assert.equal(r.else!.else!.else, null);
  const v0 = mod('package t\np = 1 { false } else = 2 { true }').rules[0]!;
  assert.equal(show(v0.else!.head.value!), '2');
  const f = mod('package t\nf(x) := 1 if x > 0\nelse := 0').rules[0]!;
  assert.equal(show(f.else!.head.value!), '0');
  assert.equal(f.else!.head.args!.length, 1);
});

test('parser: operator precedence and associativity follow OPA', () => {
  assert.equal(body('1 + 2 * 3 == 7'), 'equal(plus(1, mul(2, 3)), 7)');
  assert.equal(body('a - b - c'), 'minus(minus(a, b), c)');
  assert.equal(body('x == y | z & w'), 'equal(x, or(y, and(z, w)))');
  assert.equal(body('a / b % c < d + e'), 'lt(rem(div(a, b), c), plus(d, e))');
  assert.equal(body('x := 1 + 2'), 'assign(x, plus(1, 2))');
  assert.equal(body('x = [1, 2]'), 'eq(x, [1, 2])');
  assert.equal(body('x in xs'), 'internal.member_2(x, xs)');
  assert.equal(body('k, v in xs'), 'internal.member_3(k, v, xs)');
  assert.equal(body('x == 1 in s'), 'internal.member_2(equal(x, 1), s)');
  assert.equal(body('(1 + 2) * 3 > -1'), 'gt(mul(plus(1, 2), 3), -1)');
  assert.equal(body('x != -2.5e3'), 'neq(x, -2.5e3)');
});

test('parser: some, every, not, with', () => {
  assert.equal(body('some x, y'), 'some x, y');
  assert.equal(body('some x in xs'), 'some x in xs');
  assert.equal(body('some k, v in {"a": 1}'), 'some k, v in {"a": 1}');
  assert.equal(body('every x in xs { x > 1 }'), 'every x in xs { gt(x, 1) }');
  assert.equal(body('every i, x in xs { x > i }'), 'every i, x in xs { gt(x, i) }');
  assert.equal(body('not input.deny[_]'), 'not input.deny[_]');
  assert.equal(body('not f(x)'), 'not f(x)');
  assert.equal(
    body('data.q with input.user as "alice" with data.x as {"a": 1}'),
    'data.q with input.user as "alice" with data.x as {"a": 1}',
  );
});

test('parser: terms: refs, calls, collections, comprehensions, strings', () => {
  assert.equal(body('x := input.a["b"][i].c'), 'assign(x, input.a.b[i].c)');
  assert.equal(body('regex.match("a+", s)'), 'regex.match("a+", s)');
  assert.equal(body('x := split(s, ".")[0]'), 'assign(x, split(s, ".")[0])');
  assert.equal(body('x := [1, "a", true, null, {1, 2}, set(), {}, {"k": [2]}]'), 'assign(x, [1, "a", true, null, {1, 2}, set(), {}, {"k": [2]}])');
  assert.equal(body('x := [y | y := xs[_]; y > 1]'), 'assign(x, [y | assign(y, xs[_]); gt(y, 1)])');
  assert.equal(body('x := {y | some y in xs}'), 'assign(x, {y | some y in xs})');
  assert.equal(body('x := {k: v | some k, v in o}'), 'assign(x, {k: v | some k, v in o})');
  assert.equal(body('x := [a | b, 5]'), 'assign(x, [or(a, b), 5])');
  assert.equal(body('x := `raw\\n`'), 'assign(x, "raw\\\\n")');
  assert.equal(body('x := input.else.if.contains'), 'assign(x, input.else.if.contains)');
  assert.equal(body('x := 1e400'), 'assign(x, 1e400)');
});

test('parser: string interpolation becomes internal.template_string', () => {
  assert.equal(body('x := $"a{y}b"'), 'assign(x, internal.template_string(["a", {__tpl0__ | eq(__tpl0__, y)}, "b"]))');
});

test('parser: body separators', () => {
  assert.equal(body('a; b\nc'), 'a; b; c');
  assert.match(parseError('package t\np if {\n  a b\n}'), /^bad\.rego:3:5: unexpected ident b: expected \\n or ; or \}/);
});

test('parser: locations of rules, expressions and terms', () => {
  const m = mod('package t\n\n# c\ndefault p := 1\nq if {\n    x := input.a + 10\n}\n');
  const [p, q] = m.rules;
  assert.deepEqual([p!.location.row, p!.location.col], [4, 1]);
  assert.deepEqual([q!.head.location.row, q!.head.location.col], [5, 1]);
  const e = q!.body[0]!;
  assert.deepEqual([e.location.row, e.location.col], [6, 5]);
  assert.ok(Array.isArray(e.terms));
  const [op, lhs, rhs] = e.terms as [typeof e.terms extends (infer T)[] ? T : never, never, never];
  assert.deepEqual([op.location.col, show(lhs), show(rhs)], [7, 'x', 'plus(input.a, 10)']);
  assert.equal((rhs as { location: { col: number } }).location.col, 10);
  assert.equal(showExpr(e), 'assign(x, plus(input.a, 10))');
});

test('parser: errors are diagnostics with file:line:col', () => {
  assert.match(parseError(''), /^bad\.rego:1:1: empty module/);
  assert.match(parseError('p := 1'), /^bad\.rego:1:1: .*expected package/);
  assert.match(parseError('package t\np if {}'), /^bad\.rego:2:7: found empty body/);
  assert.match(parseError('package t\np := [1, 2'), /^bad\.rego:2:11: unexpected end of file/);
  assert.match(parseError('package t\nimport foo.bar'), /import path must begin with one of/);
  assert.match(parseError('package t\nimport rego.v1\np { true }'), /^bad\.rego:3:3: `if` keyword is required before rule body/);
  assert.match(parseError('package t\nimport rego.v1\np[x]'), /`contains` keyword is required for partial set rules/);
  assert.match(parseError('package t\ndefault p := x'), /invalid `var` in default value/);
  assert.match(parseError('package t\np if { not some x }'), /illegal negation of 'some'/);
  assert.match(parseError(`package t\np := ${'('.repeat(200)}1${')'.repeat(200)}`), /nested too deeply/);
});

test('parser: comprehension or collection, and literal-or-body after if (OPA / regorus readings)', () => {
  const heads = mod(`package t
x if { 1 | 1 }
a := { ({1} | {2}) }
e3 := [ q & {1} | {true} ]
e4 := [ (q & {1}) | {true} ]
z1 := [ x | y ]
z2 := [ x | y, 5 ]
c := [x * 2 | x := xs[_]]
p if { input.a
  input.b }
`).rules.map((r) => `${showHead(r)} :: ${showBody(r.body)}`);
  assert.deepEqual(heads, [
    'x = true :: {1 | 1}',
    'a := {or({1}, {2})} :: true',
    'e3 := [or(and(q, {1}), {true})] :: true',
    'e4 := [and(q, {1}) | {true}] :: true',
    'z1 := [x | y] :: true',
    'z2 := [or(x, y), 5] :: true',
    'c := [mul(x, 2) | assign(x, xs[_])] :: true',
    'p = true :: input.a; input.b',
  ]);
});

test('parser: regoVersion reflects v1 keywords, not the contains() builtin', () => {
  assert.equal(mod('package t\np { contains("abc", "b") }').regoVersion, 0);
  assert.equal(mod('package t\np contains 1').regoVersion, 1);
  assert.equal(mod('package t\np if true').regoVersion, 1);
});
