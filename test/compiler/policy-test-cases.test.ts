// The companion rule that lists a parameterized test's started cases (cli/policy-test-cases.ts),
// from source text, and how cases are merged (OPA's tester sub-results).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { caseResults, startedCasesRule } from '../../cli/policy-test-cases.ts';
import { parseModule } from '../../compiler/src/frontend.ts';

function companion(source: string): string | null {
  const m = parseModule(source, 't.rego').module;
  assert.ok(m);
  return startedCasesRule(source, m.rules.find((r) => r.head.name.startsWith('test_'))!);
}

test('the companion holds the body up to the first expressions binding the key vars', () => {
  const src = 'package t\ntest_concat[tc.note] if {\n  some tc in data.cases # each case\n  act := array.concat(tc.a, tc.b); act == tc.exp\n}\n';
  assert.equal(companion(src), '\n__warden_started_test_concat contains tc.note if {\nsome tc in data.cases # each case\n}\n');
  // Two key vars: up to the later of their first mentions; a plain `some` declaration binds nothing.
  const two = 'package t\ntest_x[[a, b]] if {\n  some a, b\n  a := input.as[_]\n  b := {"]": 1}["]"]\n  a > b\n}\n';
  assert.equal(companion(two), '\n__warden_started_test_x contains [a, b] if {\nsome a, b\n  a := input.as[_]\n  b := {"]": 1}["]"]\n}\n');
});

test('no companion when every started case is a produced one or the rule is no parameterized test', () => {
  assert.equal(companion('package t\ntest_x[k] if {\n  x := 1\n  some k in [x]\n}\n'), null);
  assert.equal(companion('package t\ntest_x[k] if { some k in [1] }\n'), null);
  assert.equal(companion('package t\ntest_x contains k if {\n  some k in [1]\n  k > 0\n}\n'), null);
  assert.equal(companion('package t\ntest_x if {\n  true\n  true\n}\n'), null);
});

test('cases: produced keys pass when true, started ones without a key fail, sorted by name', () => {
  assert.deepEqual(caseResults({ b: true, a: false }, ['c', 'b', 1]), [
    { name: '1', pass: false },
    { name: 'a', pass: false },
    { name: 'b', pass: true },
    { name: 'c', pass: false },
  ]);
  assert.deepEqual(caseResults({}, undefined), []);
});
