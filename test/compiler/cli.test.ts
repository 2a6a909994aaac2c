// `warden policy build|eval|test` run as real child processes on files in a temp folder.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { unpackBundle } from '../../wire/src/bundle-archive.ts';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const BIN = join(ROOT, 'bin/warden.js');

function warden(cwd: string, ...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, 'policy', ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const POLICY = `package demo
import rego.v1

default allow := false

allow if input.user in data.admins

names contains n if {
	some n in input.names
	n != "skip"
}
`;

const TESTS = `package demo
import rego.v1

test_admin_allowed if allow with input as {"user": "ann"} with data.admins as ["ann"]
test_other_denied if not allow with input as {"user": "bob"} with data.admins as ["ann"]
test_wrong if allow with input as {"user": "bob"} with data.admins as []
`;

describe('warden policy CLI', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'warden-cli-'));
    mkdirSync(join(dir, 'policy'));
    writeFileSync(join(dir, 'policy', 'demo.rego'), POLICY);
    writeFileSync(join(dir, 'data.json'), JSON.stringify({ admins: ['ann'] }));
    writeFileSync(join(dir, 'input.json'), JSON.stringify({ user: 'ann', names: ['a', 'skip', 'b'] }));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('build writes an OPA bundle whose policy.wasm runs in the SDK', async () => {
    const r = warden(dir, 'build', '-t', 'wasm', '-e', 'demo/allow', '-e', 'demo/names', '-o', 'bundle.tar.gz', '--data', 'data.json', 'policy');
    assert.equal(r.code, 0, r.stderr);
    const files = await unpackBundle(readFileSync(join(dir, 'bundle.tar.gz')));
    const manifest = JSON.parse(String(files.get('.manifest'))) as { wasm: { entrypoint: string; module: string }[] };
    assert.deepEqual(manifest.wasm.map((w) => w.entrypoint), ['demo/allow', 'demo/names']);
    assert.deepEqual(JSON.parse(String(files.get('data.json'))), { admins: ['ann'] });
    const wasm = files.get('policy.wasm');
    assert.ok(wasm);
    const policy = await loadPolicy(wasm);
    policy.setData({ admins: ['ann'] });
    assert.deepEqual(policy.evaluate({ user: 'ann' }, 'demo/allow'), [{ result: true }]);
    assert.deepEqual(policy.evaluate({ user: 'bob' }, 'demo/allow'), [{ result: false }]);
    assert.deepEqual(policy.evaluate({ names: ['x', 'skip'] }, 'demo/names'), [{ result: ['x'] }]);
  });

  test('eval prints the value of a query, and bindings of its variables', () => {
    const v = warden(dir, 'eval', '-d', 'policy', '-d', 'data.json', '-i', 'input.json', 'data.demo.allow');
    assert.equal(v.code, 0, v.stderr);
    assert.deepEqual(JSON.parse(v.stdout), { result: [{ expressions: [{ value: true, text: 'data.demo.allow' }] }] });
    const b = warden(dir, 'eval', '-d', 'policy', '-i', 'input.json', 'data.demo.names[n]');
    assert.equal(b.code, 0, b.stderr);
    const got = (JSON.parse(b.stdout) as { result: { bindings: { n: string } }[] }).result.map((x) => x.bindings.n).sort();
    assert.deepEqual(got, ['a', 'b']);
  });

  test('test runs every test_ rule, reports PASS/FAIL and exits 1 on a failure', () => {
    writeFileSync(join(dir, 'policy', 'demo_test.rego'), TESTS);
    try {
      const r = warden(dir, 'test', 'policy');
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stdout, /data\.demo\.test_wrong: FAIL/);
      assert.match(r.stdout, /PASS: 2\/3/);
      assert.match(r.stdout, /FAIL: 1\/3/);
      const v = warden(dir, 'test', '-v', 'policy');
      assert.match(v.stdout, /data\.demo\.test_admin_allowed: PASS/);
    } finally {
      rmSync(join(dir, 'policy', 'demo_test.rego'));
    }
  });

  test('invalid Rego: file:line:col message, non-zero exit, no stack trace', () => {
    writeFileSync(join(dir, 'bad.rego'), 'package bad\nimport rego.v1\n\np if {\n  x := \n}\n');
    const r = warden(dir, 'build', '-e', 'bad/p', '-o', 'out.tar.gz', 'bad.rego');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /^bad\.rego:\d+:\d+: /m);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
    const u = warden(dir, 'build', '-o', 'out.tar.gz', 'bad.rego');
    assert.equal(u.code, 2);
    assert.match(u.stderr, /at least one entrypoint/);
  });

  test('test keeps running what compiles, mounts data at its folder (JSON and YAML), runs parameterized tests as opa test does, shows print and trace output', () => {
    const suite = join(dir, 'suite');
    mkdirSync(join(suite, 'lib', 'k8s'), { recursive: true });
    mkdirSync(join(suite, 'broken'));
    writeFileSync(join(suite, 'lib', 'k8s', 'data.yaml'), 'allowed: [nginx, redis]\n');
    writeFileSync(join(suite, 'lib', 'data.json'), JSON.stringify({ max: 3 }));
    writeFileSync(join(suite, 'lib', 'k8s', 'policy.rego'), [
      'package k8s',
      'allowed_image(i) if i in data.lib.k8s.allowed',
      'too_many(xs) if count(xs) > data.lib.max',
    ].join('\n'));
    writeFileSync(join(suite, 'lib', 'k8s', 'policy_test.rego'), [
      'package k8s',
      'test_nginx if allowed_image("nginx")',
      'test_busybox if {',
      '  print("checking", input.missing, "busybox", {"k": [1, "x"]}, {1, 2})',
      '  trace("no busybox")',
      '  allowed_image("busybox")',
      '}',
      'cases := {"one": ["a"], "two": ["a", "b"], "three": ["a", "b", "c", "d"]}',
      'test_counts[name] if {',
      '  some name, xs in cases',
      '  not too_many(xs)',
      '}',
      'test_clock if time.now_ns() > 0',
      'test_subset if object.subset({"a": 1, "b": {"c": {1, 2}}}, {"b": {"c": {1}}})',
      'test_late[k] if {',
      '  y > 0',
      '  some k in ["a"]',
      '  y = 1',
      '}',
      'test_set contains 1',
      'todo_test_later if false',
    ].join('\n'));
    writeFileSync(join(suite, 'broken', 'b.rego'), 'package broken\np if { x := }\n');
    writeFileSync(join(suite, 'broken', 'more.rego'), 'package broken\nq := 1\n');
    writeFileSync(join(suite, 'broken', 'b_test.rego'), 'package broken_test\nimport data.broken\ntest_p if broken.p\n');
    const r = warden(dir, 'test', '-v', '--timing', 'suite');
    assert.equal(r.code, 1, r.stdout + r.stderr);
    // The file that does not parse is reported with its code and location; the one importing its
    // package and the other file of its package are left out.
    assert.match(r.stderr, /suite\/broken\/b\.rego:2:\d+: rego_parse_error: /);
    assert.match(r.stderr, /suite\/broken\/b_test\.rego: not compiled[^\n]*\n\s+.*imports data\.broken/);
    assert.match(r.stderr, /suite\/broken\/more\.rego: not compiled[^\n]*\n\s+.*package data\.broken did not compile in another file/);
    // Every failure is located at its test rule; print() output (values as Rego terms, OPA's
    // spacing, <undefined>) and trace() notes (quoted, as OPA's trace shows them) are shown under it.
    assert.match(
      r.stdout,
      /suite\/lib\/k8s\/policy_test\.rego:3: data\.k8s\.test_busybox: FAIL[^\n]*\n\n {2}checking <undefined> busybox \{"k": \[1, "x"\]\} \{1, 2\}\n {2}Note "no busybox"\n/,
    );
    // A parameterized test is one test with a case per key; a case whose body fails after its key
    // is bound fails (opa test's sub-results), and each case is counted.
    assert.match(r.stdout, /policy_test\.rego:9: data\.k8s\.test_counts: FAIL[^\n]*\n {2}one: PASS\n {2}three: FAIL\n {2}two: PASS\n/);
    for (const name of ['test_nginx', 'test_clock', 'test_subset']) assert.match(r.stdout, new RegExp(`data\\.k8s\\.${name}: PASS`));
    // A multi-value test is a set, not true: it fails, as in OPA; todo_test_ rules are skipped.
    assert.match(r.stdout, /data\.k8s\.test_set: FAIL[^\n]*multi-value/);
    assert.match(r.stdout, /data\.k8s\.todo_test_later: SKIPPED/);
    // A body whose part up to the key is not safe alone (y is bound further down) still runs: its
    // produced cases are its cases.
    assert.match(r.stdout, /data\.k8s\.test_late: PASS[^\n]*\n {2}a: PASS\n/);
    assert.match(r.stdout, /PASS: 6\/10\nFAIL: 3\/10\nSKIPPED: 1\/10\nNOT COMPILED: 3 file\(s\), 1 test rule\(s\) not run/);
    assert.match(r.stdout, /timing compile: \d+ ms/);
    // Without -v, a passing test and its cases are not listed but a failing case is.
    const q = warden(dir, 'test', 'suite');
    assert.doesNotMatch(q.stdout, /test_nginx|one: PASS/);
    assert.match(q.stdout, /test_counts: FAIL[^\n]*\n {2}three: FAIL\n/);
  });
  test('tests of the same name in a package run as test_x, test_x#01, … (opa test); strict builtin errors name the call\'s file:row:col', () => {
    const d = join(dir, 'dup');
    mkdirSync(d);
    writeFileSync(join(d, 'a_test.rego'), [
      'package dup',
      'test_x if true',
      'test_x if false',
      'test_e if { count(input) == 1 with input as 5 }',
      'e := v if {',
      '\tv := count(input)',
      '}',
      'test_c[k] if { some k in ["a"] }',
      'test_c[k] if { some k in ["b"]; k == "c" }',
      'test_e if { count(input) == 1 with input as 5 }',
    ].join('\n'));
    writeFileSync(join(d, 'b_test.rego'), 'package dup\ntest_x if true\n');
    writeFileSync(join(dir, 'five.json'), '5');
    const r = warden(dir, 'test', '-v', '--strict-builtin-errors', 'dup');
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^dup\/a_test\.rego:2: data\.dup\.test_x: PASS/m);
    assert.match(r.stdout, /^dup\/a_test\.rego:3: data\.dup\.test_x#01: FAIL/m);
    assert.match(r.stdout, /^dup\/b_test\.rego:2: data\.dup\.test_x#02: PASS/m);
    assert.match(r.stdout, /data\.dup\.test_e: ERROR[^\n]*: dup\/a_test\.rego:4:13: eval_type_error: count: operand 1 must be one of \{array, object, set, string\} but got number\n/);
    // A renamed duplicate's error is located in the file as written.
    assert.match(r.stdout, /^dup\/a_test\.rego:10: data\.dup\.test_e#01: ERROR[^\n]*: dup\/a_test\.rego:10:13: eval_type_error: count: /m);
    // Parameterized tests too: each rule its own test with its own cases.
    assert.match(r.stdout, /^dup\/a_test\.rego:8: data\.dup\.test_c: PASS[^\n]*\n {2}a: PASS\n/m);
    assert.match(r.stdout, /^dup\/a_test\.rego:9: data\.dup\.test_c#01: FAIL[^\n]*\n {2}b: FAIL\n/m);
    assert.match(r.stdout, /PASS: 3\/7\nFAIL: 2\/7\nERROR: 2\/7\n/);
    // Without strict builtin errors the call is undefined (OPA's default): the test fails.
    const lenient = warden(dir, 'test', 'dup');
    assert.match(lenient.stdout, /data\.dup\.test_e: FAIL/);
    assert.match(lenient.stdout, /data\.dup\.test_e#01: FAIL/);
    const e = warden(dir, 'eval', '--strict-builtin-errors', '-d', 'dup', '-i', 'five.json', 'data.dup.e');
    assert.equal(e.code, 1);
    assert.match(e.stderr, /dup\/a_test\.rego:6:\d+: eval_type_error: count: operand 1 must be one of/);
  });
});
