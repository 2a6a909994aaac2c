// The sealed enrollment exchange on its own (wire/src/enroll-seal.ts): a challenge signed by the
// pinned key is accepted and one signed by any other key refused; a sealed request opens only with the
// server's key, not altered, not replayed after 10 minutes; a reply opens only with the request's key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateSigningKey } from '../../wire/src/bundle-signing.ts';
import { EnrollSealError, SEALED_MAX_AGE_MS, answerChallenge, checkChallenge, newEnrollNonce, openReply, openRequest, sealReply, sealRequest } from '../../wire/src/enroll-seal.ts';

test('sealed enrollment: only the pinned key proves the server; sealed both ways; altered or late requests refused', () => {
  const real = generateSigningKey();
  const next = generateSigningKey();
  const evil = generateSigningKey();
  const nonce = newEnrollNonce();
  // during a rotation the server signs with both keys: an agent pinning either accepts
  const ch = answerChallenge(nonce, [next, real]);
  const { sealKey } = checkChallenge(ch, nonce, real.publicKeyPem);
  assert.doesNotThrow(() => checkChallenge(ch, nonce, next.publicKeyPem));
  assert.throws(() => checkChallenge(answerChallenge(nonce, [evil]), nonce, real.publicKeyPem), /did not prove the pinned bundle key/);
  assert.throws(() => checkChallenge(ch, newEnrollNonce(), real.publicKeyPem), /not for this request/);
  // an impostor copying the real signatures but swapping in its own seal key
  const swapped = { ...ch, seal_key: answerChallenge(nonce, [evil]).seal_key };
  assert.throws(() => checkChallenge(swapped, nonce, real.publicKeyPem), EnrollSealError);
  // with nothing pinned, the offered key is what proves (trust on first use)
  assert.equal(checkChallenge(ch, nonce, null).provenKeyPem, next.publicKeyPem);

  const { message, key } = sealRequest(sealKey, nonce, { enroll_secret: 's3cret-value', hardware_id: 'hw-00000001' });
  assert.ok(!JSON.stringify(message).includes('s3cret-value'));
  const opened = openRequest(next, message);
  assert.equal(opened.body.enroll_secret, 's3cret-value');
  assert.throws(() => openRequest(evil, message), /does not authenticate/);
  const flipped = Buffer.from(message.data, 'base64url');
  flipped[0] = (flipped[0] as number) ^ 1;
  assert.throws(() => openRequest(next, { ...message, data: flipped.toString('base64url') }), /does not authenticate/);
  assert.throws(() => openRequest(next, message, Date.now() + SEALED_MAX_AGE_MS + 1000), /too old/);

  const reply = sealReply(opened.key, nonce, { device_id: 'd1', credential: 'c1' });
  assert.deepEqual(openReply(key, nonce, reply), { device_id: 'd1', credential: 'c1' });
  assert.throws(() => openReply(Buffer.alloc(32, 7), nonce, reply), /does not authenticate/);
});
