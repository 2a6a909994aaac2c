// regex.globs_match on its own (no compile): OPA's documented examples, the element kinds (dot,
// classes with ranges, escapes, + and *), answers only an exact intersection gives, and OPA's error
// for each kind of invalid glob; then one compiled policy with globs from the input, where an
// invalid glob makes the call undefined (OPA's default). The strict-mode error through a compiled
// policy: the conformance run's opa/globsmatch cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compile, formatDiagnostic } from '../../compiler/src/index.ts';
import { HOST_BUILTIN_NAMES, loadHostedPolicy } from '../../agent/src/policy/host-builtins/index.ts';
import { globBuiltins, globsIntersect } from '../../agent/src/policy/host-builtins/globs.ts';
import { BuiltinError, type EvalContext } from '../../agent/src/policy/host-builtins/types.ts';

const ctx: EvalContext = { cache: new Map(), nowNs: 0 };
const globsMatch = globBuiltins(() => ctx)['regex.globs_match']!;

test("OPA's and the library's documented examples", () => {
  assert.equal(globsIntersect('a.a.', '.b.b'), true, 'both match abab');
  assert.equal(globsIntersect('[a-z]+', '[0-9]*'), false, 'only the empty string is common');
  assert.equal(globsIntersect('a.a.[0-9]+z', '.b.b2359825792*594823z'), true);
  assert.equal(globsIntersect('[a-z]+\\[[0-9]+\\]', 'foo\\[1\\]'), true);
  assert.equal(globsIntersect('[a-z]+\\[[0-9]+\\]', 'foo["bar"]'), false);
});

test('element kinds: literals, dot, classes, escapes and flags', () => {
  const cases: [string, string, boolean][] = [
    ['abc', 'abc', true],
    ['abc', 'abd', false],
    ['abc', 'ab', false],
    ['a.c', 'a\\.c', true],
    ['a\\.c', 'abc', false],
    ['[a-c]x', 'bx', true],
    ['[a-c]x', 'dx', false],
    ['[abc-e]', 'd', true],
    ['[\\]]', '\\]', true],
    ['[\\-]', '-', true],
    ['[]', '.', false],
    ['a+', 'aaaa', true],
    ['a+', 'b', false],
    ['a*b', 'b', true],
    ['a*b', 'aaab', true],
    ['a*b', 'aaac', false],
    ['a\\*', 'a.', true],
    ['a\\*', 'a*', false],
    ['a\\*', 'aa', false],
    ['a*', 'b*', false],
    ['.*', 'x', true],
    ['.*', '', false],
    ['', '', true],
    ['x[ab]*y', '.*z.*', false],
    ['x.*y', '.*z.*y', true],
    ['é+', 'ééé', true],
    ['[α-ω]+', 'λ', true],
    ['[\u0000-\u{10FFFF}]', '😀', true],
  ];
  for (const [a, b, want] of cases) {
    assert.equal(globsIntersect(a, b), want, `${a} ∩ ${b}`);
    assert.equal(globsIntersect(b, a), want, `${b} ∩ ${a}`);
  }
});

test('answers that need backtracking over both stars are exact', () => {
  // A greedy match of the first star would swallow the "ab" the end needs.
  assert.equal(globsIntersect('.*ab', 'a*[ab]*b'), true);
  assert.equal(globsIntersect('a.*b.*c', '[ac]*c'), false);
  assert.equal(globsIntersect('a.*b.*c', '[abc]*c'), true);
  assert.equal(globsIntersect('(x)+', '\\(x\\)\\(x\\)'), false, '( and ) are literals: `)+` repeats only the )');
  assert.equal(globsIntersect('(x)+', '\\(x\\)\\)'), true);
});

test("an invalid glob is OPA's error, naming the input and the position", () => {
  const cases: [string, string][] = [
    ['pqrs]', "input:pqrs], pos:5, set-close ']' with no preceding '[': the input provided is invalid"],
    ['*a', "input:*a, pos:1, flag '*' must be preceded by a non-flag: the input provided is invalid"],
    ['a+*', "input:a+*, pos:3, flag '*' must be preceded by a non-flag: the input provided is invalid"],
    ['ab\\', 'input:ab\\, pos:2, input ends with a \\ (escape) character: the input provided is invalid'],
    ['[abc', 'input:[abc, pos:4, found [ without matching ]: the input provided is invalid'],
    ['[-a]', "input:[-a], pos:2, range character '-' must be preceded by a Unicode character: the input provided is invalid"],
    ['[a-]', "input:[a-], pos:3, range character '-' must be followed by a Unicode character: the input provided is invalid"],
    ['[a--b]', "input:[a--b], pos:4, range character '-' cannot be followed by a special symbol: the input provided is invalid"],
    ['[z-a]', "input:[z-a], pos:4, range is out of order: 'a' comes before 'z' in Unicode: the input provided is invalid"],
  ];
  for (const [glob, message] of cases) {
    assert.throws(() => globsMatch(glob, 'a'), (e: unknown) => e instanceof BuiltinError && e.code === 'eval_builtin_error' && e.message === message, glob);
    assert.throws(() => globsMatch('a', glob), (e: unknown) => e instanceof BuiltinError && e.message === message, `second operand ${glob}`);
  }
  assert.throws(() => globsMatch(1, 'a'), (e: unknown) => e instanceof BuiltinError && e.code === 'eval_type_error' && e.message === 'operand 1 must be string but got number');
  assert.throws(() => globsMatch('a', null), (e: unknown) => e instanceof BuiltinError && e.message === 'operand 2 must be string but got null');
});

test('a long glob pair is decided in time linear in the pairs of positions', () => {
  // Many stars on both sides: a backtracking search would be exponential here.
  const a = 'a*'.repeat(400) + 'b';
  const b = '[ab]*'.repeat(400) + 'c';
  assert.equal(globsIntersect(a, b), false);
  assert.equal(globsIntersect(a, '[ab]*'.repeat(400) + 'b'), true);
});

test('globs too long to intersect within bounds are refused with an error, not a hang', () => {
  const long = 'a'.repeat(5000);
  assert.throws(() => globsMatch(long, long), (e: unknown) => e instanceof BuiltinError && /^globs too long to intersect \(5000 and 5000 elements/.test(e.message));
});

test('a compiled policy calls it with globs from the input; an invalid glob is undefined by default', async () => {
  const source = `package t
overlap := regex.globs_match(input.a, input.b)
`;
  const r = await compile({ modules: [{ file: 't.rego', source }], entrypoints: ['t/overlap'], builtinErrors: 'opa', externalBuiltins: [...HOST_BUILTIN_NAMES] });
  assert.ok(r.wasm, r.diagnostics.map(formatDiagnostic).join('\n'));
  const policy = await loadHostedPolicy(r.wasm);
  policy.setData({});
  assert.deepEqual(policy.evaluate({ a: 'team-[a-z]+', b: 'team-ops' }), [{ result: true }]);
  assert.deepEqual(policy.evaluate({ a: 'team-[a-z]+', b: 'team-42' }), [{ result: false }]);
  assert.deepEqual(policy.evaluate({ a: 'team-]', b: 'team-ops' }), []);
});
