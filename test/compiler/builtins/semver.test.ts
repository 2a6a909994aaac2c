import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { compileEntry, type LibModule } from './harness.ts';

let m: LibModule;
before(async () => {
  m = await compileEntry('compiler/assembly/builtins/tests/semver.ts');
});

const valid = (s: string): boolean => m.fn('semver_is_valid')(...m.put(s)) === 1;
const cmp = (a: string, b: string): number => m.fn('semver_compare')(...m.put(a), ...m.put(b));

test('semver.is_valid follows SemVer 2.0.0', () => {
  for (const v of ['1.9.10', '0.0.0', '1.1.12-rc1+foo', '2.0.0-alpha.1', '1.0.0+build.5', '10.20.30-x-y.0']) {
    assert.equal(valid(v), true, v);
  }
  for (const v of ['1.1', '1', '', 'v1.0.0', '01.0.0', '1.0.0-', '1.0.0-01', '1.0.0+', '1.0.0-a..b', '1.0.0.0', 'a.b.c', '1.0.0-a_b']) {
    assert.equal(valid(v), false, v);
  }
});

test('semver.compare orders by precedence', () => {
  assert.equal(cmp('1.0.0', '2.0.0'), -1);
  assert.equal(cmp('2.0.0', '1.0.0'), 1);
  assert.equal(cmp('1.0.0', '1.0.0'), 0);
  assert.equal(cmp('1.9.10', '1.10.0'), -1);
  assert.equal(cmp('1.0.0+a', '1.0.0+b'), 0);
  const order = ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0'];
  for (let i = 0; i + 1 < order.length; i++) {
    assert.equal(cmp(order[i]!, order[i + 1]!), -1, `${order[i]} < ${order[i + 1]}`);
    assert.equal(cmp(order[i + 1]!, order[i]!), 1);
  }
  assert.equal(cmp('1.99.3', '2.0.0'), -1, 'Claude Code 1.99.3 is older than 2.0.0');
  assert.equal(cmp('1', '1.0.0'), 2);
});
