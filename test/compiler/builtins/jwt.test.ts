// io.jwt.decode and verify_hs* in the WASM runtime, checked against tokens signed here with node:crypto
// (the host's io.jwt builtins: test/policy/host-builtins.test.ts).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { compileBuiltins, type BuiltinModule } from './values.ts';

let b: BuiltinModule;
before(async () => {
  b = await compileBuiltins('compiler/assembly/builtins/tests/jwt.ts');
});
const err = (x: unknown): string => String((x as { error?: string }).error);

function sign(alg: 'HS256' | 'HS384' | 'HS512', payload: object, key: string): string {
  const enc = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${enc({ alg, typ: 'JWT' })}.${enc(payload)}`;
  const h = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' }[alg];
  return `${input}.${createHmac(h, key).update(input).digest('base64url')}`;
}

test('io.jwt.decode returns header, payload and hex signature', () => {
  const t = sign('HS256', { sub: '0', iss: 'opa' }, 'k');
  const sigHex = Buffer.from(t.split('.')[2]!, 'base64url').toString('hex');
  assert.deepEqual(b.call('io.jwt.decode', t), [{ alg: 'HS256', typ: 'JWT' }, { iss: 'opa', sub: '0' }, sigHex]);
  assert.match(err(b.strict('io.jwt.decode', 'abc')), /encoded JWT had no period separators/);
  assert.match(err(b.strict('io.jwt.decode', 'a.b')), /encoded JWT must have 3 sections, found 2/);
  // Go's base64 error names the offset of the first bad byte within the section (OPA's wording).
  assert.match(err(b.strict('io.jwt.decode', 'eyJhbGciOiJIU^%zI1NiJ9.e30.e30')), /eval_builtin_error: io.jwt.decode: JWT header had invalid encoding: illegal base64 data at input byte 13$/);
  assert.match(err(b.strict('io.jwt.decode', 'e30.e3^0.e30')), /JWT payload had invalid encoding: illegal base64 data at input byte 2$/);
});

test('io.jwt.verify_hs256/384/512', () => {
  for (const alg of ['HS256', 'HS384', 'HS512'] as const) {
    const t = sign(alg, { user: 'alice' }, 'secret');
    const fn = `io.jwt.verify_${alg.toLowerCase()}`;
    assert.equal(b.call(fn, t, 'secret'), true, alg);
    assert.equal(b.call(fn, t, 'wrong'), false, alg);
  }
});
