// Secrets at rest: people's passwords are scrypt hashes; minted 256-bit credentials are salted
// SHA-256 (cheap enough for every check-in). Both verify the right secret and refuse everything else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashSecret, newSecret, verifySecret } from '../../server/src/auth/secrets.ts';

test('minted credentials: salted sha256, verified in constant time, wrong or tampered refused', async () => {
  const secret = newSecret();
  const stored = await hashSecret(secret, 'random');
  assert.match(stored, /^sha256\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
  assert.ok(!stored.includes(secret), 'the secret itself is not stored');
  assert.notEqual(stored, await hashSecret(secret, 'random'), 'salted: same secret, different hash');
  assert.equal(await verifySecret(secret, stored), true);
  assert.equal(await verifySecret(newSecret(), stored), false);
  const parts = stored.split('$');
  assert.equal(await verifySecret(secret, `sha256$${parts[1]}$${'A'.repeat(43)}`), false);
  assert.equal(await verifySecret(secret, `sha256$${parts[1]}$short`), false);
});

test('passwords: scrypt, and a hash of one kind never verifies as the other', async () => {
  const stored = await hashSecret('correct horse battery staple', 'password');
  assert.match(stored, /^scrypt\$16384\$8\$1\$/);
  assert.equal(await verifySecret('correct horse battery staple', stored), true);
  assert.equal(await verifySecret('Correct horse battery staple', stored), false);
  assert.equal(await verifySecret('x', 'plain-text-never-accepted'), false);
});
