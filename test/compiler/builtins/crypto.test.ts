import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { compileBuiltins, type BuiltinModule } from './values.ts';

let b: BuiltinModule;
before(async () => {
  b = await compileBuiltins('compiler/assembly/builtins/tests/crypto.ts');
});

// Lengths around every padding boundary of 64- and 128-byte blocks, plus Unicode.
const inputs = ['', 'abc', 'lorem ipsum', 'åäö😀'];
for (const n of [55, 56, 63, 64, 65, 111, 112, 119, 127, 128, 129, 300]) inputs.push('x'.repeat(n));

test('digests agree with node:crypto', () => {
  for (const s of inputs) {
    assert.equal(b.call('crypto.md5', s), createHash('md5').update(s).digest('hex'), `md5 ${s.length}`);
    assert.equal(b.call('crypto.sha1', s), createHash('sha1').update(s).digest('hex'), `sha1 ${s.length}`);
    assert.equal(b.call('crypto.sha256', s), createHash('sha256').update(s).digest('hex'), `sha256 ${s.length}`);
  }
  assert.equal(b.call('crypto.md5', 'lorem ipsum'), '80a751fde577028640c419000e33eba6');
});

test('HMACs agree with node:crypto (short and long keys)', () => {
  for (const key of ['', 'key', 'k'.repeat(64), 'k'.repeat(129), 'ключ']) {
    for (const s of inputs) {
      for (const alg of ['md5', 'sha1', 'sha256', 'sha512'] as const) {
        assert.equal(b.call(`crypto.hmac.${alg}`, s, key), createHmac(alg, key).update(s).digest('hex'), `${alg} ${s.length} ${key.length}`);
      }
    }
  }
});

test('crypto.hmac.equal', () => {
  assert.equal(b.call('crypto.hmac.equal', 'abc', 'abc'), true);
  assert.equal(b.call('crypto.hmac.equal', 'abc', 'abd'), false);
  assert.equal(b.call('crypto.hmac.equal', 'abc', 'ab'), false);
  assert.equal(b.call('crypto.md5', 1), undefined);
});
