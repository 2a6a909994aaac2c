import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Module } from '../../../compiler/src/ast.ts';
import { checkModules, formatDiagnostic, parseModule } from '../../../compiler/src/frontend.ts';
import { show, showBody, showHead } from './show.ts';

function parse(src: string, file = 'c.rego'): Module {
  const r = parseModule(src, file);
  assert.ok(r.module, r.diagnostics.map(formatDiagnostic).join('\n'));
  return r.module;
}
function ok(...srcs: string[]): Module[] {
  const r = checkModules(srcs.map((s, i) => parse(s, `m${i}.rego`)));
  assert.deepEqual(r.diagnostics.map(formatDiagnostic), []);
  return r.modules;
}
function errors(...srcs: string[]): string[] {
  const r = checkModules(srcs.map((s, i) => parse(s, `m${i}.rego`)));
  assert.ok(r.diagnostics.length > 0, 'expected diagnostics');
  return r.diagnostics.map(formatDiagnostic);
}
/** Body of the first rule named `name`, with generated local names replaced by L (stable assertions). */
function bodyOf(m: Module, name = 'p'): string {
  return norm(showBody(m.rules.find((r) => r.head.name === name)!.body));
}
function norm(s: string): string {
  return s.replace(/__local\d+__/g, 'L').replace(/\$\d+/g, 'W');
}

test('checks: a body is reordered so every var is bound before use', () => {
  const [m] = ok('package t\np if {\n  y > 1\n  x == y\n  y = input.v[i]\n  x = 2\n}');
  assert.equal(bodyOf(m!), 'eq(y, input.v[i]); gt(y, 1); eq(x, 2); equal(x, y)');
  // Comprehension bodies are reordered too, closures see outer bindings.
  const [c] = ok('package t\np := r if {\n  r := [x | x > n; x = input.xs[_]]\n  n = 1\n}');
  assert.equal(bodyOf(c!), 'eq(n, 1); eq(L, [x | eq(x, input.xs[W]); gt(x, n)])');
  // Destructuring binds both sides' vars, call output form binds its last argument.
  const [d] = ok('package t\np if {\n  n > 0\n  count(b, n)\n  [a, {"k": b}] = [1, {"k": input.xs}]\n}');
  assert.equal(bodyOf(d!), 'eq([a, {"k": b}], [1, {"k": input.xs}]); count(b, n); gt(n, 0)');
});

test('checks: unsafe vars are reported with their location', () => {
  assert.deepEqual(errors('package t\np if {\n  x > 1\n}'), ['m0.rego:3:3: var x is unsafe']);
  assert.deepEqual(errors('package t\np[x] if { true }'), ['m0.rego:2:3: var x is unsafe']);
  assert.deepEqual(errors('package t\np := y if { not q[y] }\nq := {}'), ['m0.rego:2:19: var y is unsafe', 'm0.rego:2:6: var y is unsafe']);
  assert.deepEqual(errors('package t\np := [x | y > 1]').sort(), ['m0.rego:2:11: var y is unsafe', 'm0.rego:2:7: var x is unsafe']);
  // A template string's unsafe var is named as written, never by the compiler's internal var,
  // inside `with` too.
  assert.deepEqual(errors('package t\np := $"{zz}"'), ['m0.rego:2:9: var zz is unsafe']);
  assert.deepEqual(errors('package t\nq := input.x\np if {\n  q == "a" with input.x as $"{zz}"\n}'), ['m0.rego:4:31: var zz is unsafe']);
  // Wildcards and negation-local vars are fine inside `not`.
  ok('package t\np if { not input.deny[_] }', 'package u\nq if { not input.x[k] == 1 }');
});

test('checks: := declares locals; redeclaration and use-before-declaration are errors', () => {
  assert.match(errors('package t\np if {\n  x := 1\n  x := 2\n}')[0]!, /^m0\.rego:4:3: var x assigned above/);
  assert.match(errors('package t\np if {\n  x = 1\n  x := 2\n}')[0]!, /var x referenced above/);
  assert.match(errors('package t\nf(a) := b if {\n  a := 1\n  b := 2\n}')[0]!, /var a assigned above/);
  assert.match(errors('package t\np if { 1 := 2 }')[0]!, /assignment operator := requires left-hand side to have bindable variables/);
  // Nested scopes may reuse names; each gets its own local.
  const [m] = ok('package t\np := [x | x := 1] if { x := 2; x > 1 }');
  const rule = m!.rules[0]!;
  assert.equal(norm(showHead(rule)), 'p := [L | eq(L, 1)]');
  assert.notEqual(show(rule.head.value!).match(/__local\d+__/)![0], showBody(rule.body).match(/__local\d+__/)![0]);
});

test('checks: names resolve to rules, imports and root documents', () => {
  const [a, b] = ok(
    'package lib\nimport rego.v1\ndouble(x) := 2 * x\nlimit := 3',
    'package app\nimport rego.v1\nimport data.lib\nimport input.user as u\nallow if { lib.double(limit) > lib.limit; u.admin; q }\nq := input\nlimit := 1',
  );
  void a;
  assert.equal(bodyOf(b!, 'allow'), 'gt(data.lib.double(data.app.limit), data.lib.limit); input.user.admin; data.app.q');
  assert.equal(show(b!.rules.find((r) => r.head.name === 'q')!.head.value!), 'input');
  // A value rule named like a builtin does not capture the infix operator.
  ok('package t\nmul if { 3 * 4 == 12 }');
});

test('checks: some-in, every and wildcards are rewritten for the planner', () => {
  const [m] = ok('package t\np if {\n  some k, v in input.o\n  some x in input.xs\n  every y in input.ys { y > x }\n  input.z[_] == v\n}');
  assert.equal(bodyOf(m!), 'eq(L, input.o[L]); eq(L, input.xs[W]); every L in input.ys { gt(L, L) }; equal(input.z[W], L)');
  const [s] = ok('package t\np if { some x; x = 1 }');
  assert.equal(bodyOf(s!), 'eq(L, 1)');
});

test('checks: undefined functions and builtin arity', () => {
  assert.deepEqual(errors('package t\np if { foo(1) }'), ['m0.rego:2:8: undefined function foo: could not find function foo']);
  assert.match(errors('package t\np := count(1, 2, 3)')[0]!, /^m0\.rego:2:6: count: arity mismatch: `count` expects 1 argument, got 3/);
  assert.match(errors('package t\np if { numbers.range(1) }')[0]!, /`numbers.range` expects 2 arguments, got 1/);
  assert.match(errors('package t\nimport rego.v1\np if { cast_array([1]) }')[0]!, /could not find function cast_array/);
  assert.match(errors('package t\nf(x) := x\np := f(1, 2, 3)')[0]!, /data\.t\.f: arity mismatch/);
  assert.match(errors('package t\nx := 1\np := x(1)')[0]!, /could not find function/);
  // The call form with one extra argument binds the output.
  ok('package t\np := n if { count([1], n) }', 'package u\nf(x) := x\nq := y if { f(1, y) }', 'package v\nr if { print("a", 1, 2) }');
});

test('checks: rule conflicts', () => {
  assert.deepEqual(errors('package t\np := 1\np contains 2'), ['m0.rego:2:1: conflicting rules data.t.p found']);
  assert.deepEqual(errors('package t\ndefault p := 1\ndefault p := 2'), ['m0.rego:3:1: multiple default rules data.t.p found']);
  assert.match(errors('package t\nf(x) := 1\nf(x, y) := 2')[0]!, /conflicting rules data\.t\.f found: functions have different arities/);
  assert.match(errors('package t\nf(x) := 1\nf := 2')[0]!, /conflicting rules data\.t\.f found/);
  assert.match(errors('package t\na.b := 1\na.b.c := 2')[0]!, /rule data\.t\.a\.b conflicts with data\.t\.a\.b\.c/);
  assert.match(errors('package t\nq := 1', 'package t.q\nr := 2')[0]!, /rule data\.t\.q conflicts with data\.t\.q\.r/);
  assert.match(errors('package t\nq := 1', 'package t.q.s')[0]!, /rule data\.t\.q conflicts with package t\.q\.s/);
  ok('package t\np contains 1\np contains 2\nq := 1 if input.a\nq := 2 if input.b');
});

test('checks: recursion through rules and functions', () => {
  assert.deepEqual(errors('package t\np if q\nq if p'), [
    'm0.rego:2:1: rule data.t.p is recursive: data.t.p -> data.t.q -> data.t.p',
    'm0.rego:3:1: rule data.t.q is recursive: data.t.q -> data.t.p -> data.t.q',
  ]);
  assert.match(errors('package t\nf(x) := f(x)')[0]!, /rule data\.t\.f is recursive: data\.t\.f -> data\.t\.f/);
  assert.match(errors('package t\np := data.t')[0]!, /rule data\.t\.p is recursive/);
  ok('package t\np := data[2]\nq := data.other.x');
});

test('checks: static unification errors, imports, shadowing', () => {
  assert.ok(errors('package t\np if { [x] = {"a": 1} }').some((e) => /incompatible destructuring patterns/.test(e)));
  assert.ok(errors('package t\np if { [x, y] = [1] }').some((e) => /mismatch in number of array elements/.test(e)));
  assert.match(errors('package t\nimport rego.v1\nimport rego.v1')[0]!, /this import shadows previous import/);
  assert.match(errors('package t\nimport rego.v1\ninput := 1')[0]!, /input cannot be shadowed/);
  assert.match(errors('package t\nimport rego.v1\np if { data := 1 }')[0]!, /data cannot be shadowed/);
});

test('checks: inputs are not modified; output is a new module set', () => {
  const m = parse('package t\np if { x > 1; x := 2 }'.replace('x > 1; x := 2', 'x = 2; x > 1'));
  const before = JSON.stringify(m);
  const r = checkModules([m]);
  assert.deepEqual(r.diagnostics, []);
  assert.equal(JSON.stringify(m), before);
  assert.notEqual(r.modules[0], m);
});

test('checks: literal arguments of a wrong type are type errors', () => {
  assert.deepEqual(errors('package t\nx := count(5)'), ['m0.rego:2:12: count: invalid argument 1: `count` requires array/object/set/string argument. Got `5` instead']);
  assert.match(errors('package t\nx := "1" + 9')[0]!, /`add` expects numeric argument\. Got `"1"` instead/);
  assert.match(errors('package t\nx := bits.and(1, "str")')[0]!, /invalid argument 2: `bits\.and` expects numeric argument\. Got `"str"` instead/);
  assert.match(errors('package t\nx := time.weekday("1")')[0]!, /expects `ns` to be a `number` or `array\[number, string\]`/);
  // Computed arguments are left to the runtime; set difference is fine.
  ok('package t\nx := count(input.n)\ny := {1, 2} - {1}\nz := max([1, 2])');
});

test('checks: a query module that reads all of data is not recursive when marked as a query', () => {
  const policy = parse('package app\nallow := true', 'policy.rego');
  const query = parse('package q\nresult contains x if { x := data }', 'query.rego');
  assert.match(formatDiagnostic(checkModules([policy, query]).diagnostics[0]!), /rule data\.q\.result is recursive/);
  assert.deepEqual(checkModules([policy, query], { queryFiles: ['query.rego'] }).diagnostics, []);
});

test('checks: some-in over literals, object destructuring mismatches, import aliases', () => {
  assert.match(errors('package t\np if { some x in 5 }')[0]!, /`some \.\. in collection` expects array\/set\/object/);
  assert.ok(errors('package t\np if { some [a, b] in [[1, 2, 3]] }').some((e) => /mismatch in number of array elements/.test(e)));
  assert.ok(errors('package t\np if { {"a": x} = {"a": 1, "b": 2} }').some((e) => /object field count mismatch in assignment: left has 1 fields, right has 2 fields/.test(e)));
  assert.ok(errors('package t\np if { {"a": x, "b": y} = {"a": 1, "c": 2} }').some((e) => /object literal keys mismatch\. Expected keys \["a", "b"\] got \["a", "c"\]/.test(e)));
  assert.match(errors('package t\nimport data.a.x\nimport data.b.x')[0]!, /import data\.b\.x shadows import data\.a\.x/);
  assert.match(errors('package t\np if { x := 1; [x, 2] := [1, 2] }')[0]!, /var x assigned above/);
  assert.match(errors('package t\np if { input.a := 1 }')[0]!, /cannot assign to ref/);
});

test('checks: with targets must be input, data or a function', () => {
  assert.match(errors('package t\np if { input.x with foo as 1 }')[0]!, /^m0\.rego:2:21: with keyword target must reference existing input, data, or a function/);
  ok('package t\nf(x) := x\nq := 1\np if { input.x with input.y as 1 with data.a as 2 with count as f with q as 3 with f as count }');
});

test('checks: a rule shadows an import for values, an import shadows a rule for calls (regorus)', () => {
  const [, rules] = ok(
    'package lib\nimport rego.v1\ndouble(x) := 2 * x\nvalue := 1',
    'package rules\nimport rego.v1\nimport data.lib\nlib := {"value": 2}\nv := lib.value\nd := lib.double(3)',
  );
  const get = (n: string): string => show(rules!.rules.find((r) => r.head.name === n)!.head.value!);
  assert.equal(get('v'), 'data.rules.lib.value');
  assert.equal(get('d'), 'data.lib.double(3)');
});

test('checks: a computed function argument becomes an argument var bound in the body', () => {
  const [m] = ok('package t\nf($"{x}-{input.y}") := 42 if { x = "foo" }');
  const f = m!.rules[0]!;
  assert.equal(norm(f.head.args!.map(show).join(', ')), 'L');
  assert.equal(norm(showBody(f.body)), 'eq(x, "foo"); eq(L, internal.template_string([{__tpl0__ | eq(__tpl0__, x)}, "-", {__tpl1__ | eq(__tpl1__, input.y)}]))');
});

test('checks: METADATA annotations and rego.metadata.rule()/chain() become constants', () => {
  const [m] = ok(`# METADATA
# description: suite
package t

# METADATA
# scope: document
# authors:
# - Jane Doe <jane@example.com>
p := 1 if false

# METADATA
# title: mine
p := x if { x := rego.metadata.chain() }
r := rego.metadata.rule()`);
  const [, p2, r] = m!.rules;
  assert.equal(
    norm(showBody(p2!.body)),
    'eq(L, [{"path": ["t", "p"], "annotations": {"title": "mine", "scope": "rule"}}, ' +
      '{"path": ["t", "p"], "annotations": {"scope": "document", "authors": [{"name": "Jane Doe", "email": "jane@example.com"}]}}, ' +
      '{"path": ["t"], "annotations": {"description": "suite", "scope": "package"}}])',
  );
  assert.equal(show(r!.head.value!), '{}');
  const bad = parseModule('# METADATA\n# title: [unclosed\npackage t', 'bad.rego');
  assert.match(formatDiagnostic(bad.diagnostics[0]!), /^bad\.rego:1:1: invalid METADATA block/);
});
