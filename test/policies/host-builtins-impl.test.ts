// The host builtins' implementations on their own (no compile): JWT signing and verifying for every
// algorithm family with keys made here, OPA's key forms (PEM public key, JWK, JWK set with kid),
// claims against the evaluation's clock, and crypto.x509 on a small PKI made with openssl
// (test/policies/fixtures/pki: a root CA and a leaf it signed, and the leaf's request).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { jwtBuiltins } from '../../agent/src/policy/host-builtins/jwt.ts';
import { x509Builtins } from '../../agent/src/policy/host-builtins/x509.ts';
import { randomBuiltins } from '../../agent/src/policy/host-builtins/random.ts';
import { BuiltinError, type EvalContext } from '../../agent/src/policy/host-builtins/types.ts';

let ctx: EvalContext = { cache: new Map(), nowNs: Date.now() * 1e6 };
const jwt = jwtBuiltins(() => ctx);
const x509 = x509Builtins(() => ctx);
const rand = randomBuiltins(() => ctx);
const call = (t: Record<string, (...a: unknown[]) => unknown>, name: string, ...args: unknown[]): unknown => t[name]!(...args);
const pki = (f: string): string => readFileSync(join(import.meta.dirname, 'fixtures', 'pki', f), 'utf8');
/** The SDK takes an ArrayBuffer as JSON text (exact big integers); parse it back for the test. */
const json = (v: unknown): unknown => (v instanceof ArrayBuffer ? JSON.parse(new TextDecoder().decode(v)) : v);

function jwkOf(k: KeyObject, extra: object = {}): string {
  return JSON.stringify({ ...k.export({ format: 'jwk' }), ...extra });
}

test('encode_sign signs and decode_verify / verify_* verify, for every algorithm family', () => {
  const now = Math.floor(ctx.nowNs / 1e9);
  const pairs: [string, { publicKey: KeyObject; privateKey: KeyObject }][] = [
    ['RS256', generateKeyPairSync('rsa', { modulusLength: 2048 })],
    ['PS384', generateKeyPairSync('rsa', { modulusLength: 2048 })],
    ['ES256', generateKeyPairSync('ec', { namedCurve: 'P-256' })],
    ['ES384', generateKeyPairSync('ec', { namedCurve: 'P-384' })],
    ['ES512', generateKeyPairSync('ec', { namedCurve: 'P-521' })],
    ['EdDSA', generateKeyPairSync('ed25519')],
  ];
  for (const [alg, kp] of pairs) {
    const token = call(jwt, 'io.jwt.encode_sign', { alg, typ: 'JWT' }, { iss: 'it', exp: now + 60 }, JSON.parse(jwkOf(kp.privateKey))) as string;
    const pem = kp.publicKey.export({ format: 'pem', type: 'spki' }).toString();
    assert.deepEqual(call(jwt, 'io.jwt.decode_verify', token, { cert: pem, iss: 'it' }), [true, { alg, typ: 'JWT' }, { iss: 'it', exp: now + 60 }], alg);
    assert.equal(call(jwt, `io.jwt.verify_${alg.toLowerCase()}`, token, pem), true, alg);
    const [h, p, s] = token.split('.');
    const altered = `${h}.${Buffer.from(JSON.stringify({ iss: 'it', exp: now + 6000 })).toString('base64url')}.${s}`;
    assert.equal(call(jwt, `io.jwt.verify_${alg.toLowerCase()}`, altered, pem), false, `${alg} altered`);
    assert.deepEqual(call(jwt, 'io.jwt.decode_verify', `${h}.${p}.${s}`, { cert: pem, alg: alg === 'EdDSA' ? 'RS256' : 'EdDSA' }), [false, {}, {}], `${alg} constraint alg`);
  }
  // HS256 through the host (decode_verify's secret) and a JWK set whose kid picks the key.
  const hs = call(jwt, 'io.jwt.encode_sign', { alg: 'HS256' }, { sub: 'x' }, { kty: 'oct', k: Buffer.from('s3cret').toString('base64url') }) as string;
  assert.equal((call(jwt, 'io.jwt.decode_verify', hs, { secret: 's3cret' }) as unknown[])[0], true);
  assert.equal((call(jwt, 'io.jwt.decode_verify', hs, { secret: 'other' }) as unknown[])[0], false);
  const a = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const b = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const signed = call(jwt, 'io.jwt.encode_sign', { alg: 'ES256', kid: 'b' }, { sub: 'y' }, JSON.parse(jwkOf(b.privateKey))) as string;
  const set = JSON.stringify({ keys: [JSON.parse(jwkOf(a.publicKey, { kid: 'a' })), JSON.parse(jwkOf(b.publicKey, { kid: 'b' }))] });
  assert.equal((call(jwt, 'io.jwt.decode_verify', signed, { cert: set }) as unknown[])[0], true, 'kid b');
  const wrongKid = JSON.stringify({ keys: [JSON.parse(jwkOf(a.publicKey, { kid: 'b' })), JSON.parse(jwkOf(b.publicKey, { kid: 'a' }))] });
  assert.equal((call(jwt, 'io.jwt.decode_verify', signed, { cert: wrongKid }) as unknown[])[0], false, 'the kid names the key to use');
});

test('decode_verify checks exp and nbf against the evaluation clock unless a time is given', () => {
  const now = Math.floor(ctx.nowNs / 1e9);
  const k = { kty: 'oct', k: Buffer.from('k').toString('base64url') };
  const expired = call(jwt, 'io.jwt.encode_sign', { alg: 'HS256' }, { exp: now - 1 }, k) as string;
  const early = call(jwt, 'io.jwt.encode_sign', { alg: 'HS256' }, { nbf: now + 100 }, k) as string;
  assert.equal((call(jwt, 'io.jwt.decode_verify', expired, { secret: 'k' }) as unknown[])[0], false);
  assert.equal((call(jwt, 'io.jwt.decode_verify', expired, { secret: 'k', time: (now - 10) * 1e9 }) as unknown[])[0], true);
  assert.equal((call(jwt, 'io.jwt.decode_verify', early, { secret: 'k' }) as unknown[])[0], false);
  assert.equal((call(jwt, 'io.jwt.decode_verify', early, { secret: 'k', time: (now + 200) * 1e9 }) as unknown[])[0], true);
  assert.throws(() => call(jwt, 'io.jwt.decode_verify', expired, { secret: 'k', bogus: 1 }), /unknown token validation constraint: bogus/);
  assert.throws(() => call(jwt, 'io.jwt.encode_sign_raw', '{"alg":"none"}', '{}', '{"kty":"oct","k":"AA"}'), /unknown JWS algorithm: none/);
});

test('crypto.x509 reads certificates, verifies a chain and reads a certificate request', () => {
  const ca = pki('ca.pem');
  const leaf = pki('leaf.pem');
  const [c] = json(call(x509, 'crypto.x509.parse_certificates', leaf)) as Record<string, unknown>[];
  assert.equal((c!.Subject as { CommonName: string }).CommonName, 'agent.example.test');
  assert.deepEqual((c!.Subject as { Country: string[]; OrganizationalUnit: string[] }).Country, ['DE']);
  assert.deepEqual((c!.Issuer as { Organization: string[] }).Organization, ['Warden Test']);
  assert.deepEqual(c!.DNSNames, ['agent.example.test']);
  assert.deepEqual(c!.URIStrings, ['spiffe://example.test/agent']);
  assert.deepEqual(c!.IPAddresses, ['10.0.0.1']);
  assert.deepEqual(c!.EmailAddresses, ['it@example.test']);
  assert.deepEqual(c!.ExtKeyUsage, [1, 2]);
  assert.equal(c!.IsCA, false);
  assert.equal(c!.SerialNumber, 7);
  // A serial beyond 2^53 stays exact in the JSON text the SDK reads.
  const caText = new TextDecoder().decode(call(x509, 'crypto.x509.parse_certificates', ca) as ArrayBuffer);
  assert.match(caText, new RegExp(`"SerialNumber":${BigInt('0x1234567890abcdef1234567890').toString()}[,}]`));
  const [root] = json(call(x509, 'crypto.x509.parse_certificates', Buffer.from(ca).toString('base64'))) as Record<string, unknown>[];
  assert.equal(root!.IsCA, true);
  assert.equal(root!.KeyUsage, 32 | 64, 'keyCertSign | cRLSign');

  const [ok, chain] = json(call(x509, 'crypto.x509.parse_and_verify_certificates', `${ca}${leaf}`)) as [boolean, Record<string, { CommonName: string }>[]];
  assert.equal(ok, true);
  assert.deepEqual(chain.map((x) => x.Subject!.CommonName), ['agent.example.test', 'Warden Test Root'], 'leaf first');
  assert.deepEqual(json(call(x509, 'crypto.x509.parse_and_verify_certificates', `${leaf}${ca}`)), [false, []], 'root must come first');
  assert.deepEqual(json(call(x509, 'crypto.x509.parse_and_verify_certificates', leaf)), [false, []], 'a lone leaf is no chain');
  ctx = { cache: new Map(), nowNs: Date.UTC(1999, 0, 1) * 1e6 };
  assert.deepEqual(json(call(x509, 'crypto.x509.parse_and_verify_certificates', `${ca}${leaf}`)), [false, []], 'not yet valid at the evaluation time');
  ctx = { cache: new Map(), nowNs: Date.now() * 1e6 };

  const csr = json(call(x509, 'crypto.x509.parse_certificate_request', pki('leaf.csr'))) as Record<string, unknown>;
  assert.equal((csr.Subject as { CommonName: string }).CommonName, 'agent.example.test');
  assert.deepEqual(csr.URIStrings, ['spiffe://example.test/agent']);
  assert.throws(() => call(x509, 'crypto.x509.parse_certificates', 'YmFkc3RyaW5n'), /x509: malformed certificate/);
  assert.throws(() => call(x509, 'crypto.x509.parse_certificates', 'foobar'), (e: unknown) => e instanceof BuiltinError && /illegal base64 data at input byte 4/.test(e.message));
});

test('crypto.parse_private_keys reports the Go key structs with exact integers; parse_rsa_private_key a JWK', () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const pem = privateKey.export({ format: 'pem', type: 'pkcs1' }).toString();
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ format: 'pem', type: 'sec1' }).toString();
  const text = new TextDecoder().decode(call(x509, 'crypto.parse_private_keys', pem + ec) as ArrayBuffer);
  const n = BigInt(`0x${Buffer.from((privateKey.export({ format: 'jwk' }) as { n: string }).n, 'base64url').toString('hex')}`);
  assert.match(text, new RegExp(`^\\[\\{"N":${n.toString()},"E":65537,`));
  assert.match(text, /\{"Curve":\{"Name":"P-384","BitSize":384\},"X":\d+,"Y":\d+,"D":\d+\}\]$/);
  assert.deepEqual(json(call(x509, 'crypto.parse_private_keys', 'nope')), []);
  assert.equal(call(x509, 'crypto.parse_private_keys', ''), null);
  assert.deepEqual(call(x509, 'crypto.x509.parse_rsa_private_key', pem), privateKey.export({ format: 'jwk' }));
});

test('rand.intn and uuid.rfc4122 keep one value per arguments within an evaluation context', () => {
  const first = call(rand, 'rand.intn', 'k', 1_000_000_000);
  assert.equal(call(rand, 'rand.intn', 'k', 1_000_000_000), first);
  assert.equal(call(rand, 'rand.intn', 'k', 0), 0);
  const u = call(rand, 'uuid.rfc4122', 'k') as string;
  assert.match(u, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(call(rand, 'uuid.rfc4122', 'k'), u);
  ctx = { cache: new Map(), nowNs: Date.now() * 1e6 };
  assert.notEqual(call(rand, 'uuid.rfc4122', 'k'), u, 'a new evaluation draws again');
  assert.throws(() => call(rand, 'rand.intn', 'k', 1.5), /operand 2 must be integer/);
  // OPA takes the absolute value of a negative bound, and any int64 bound; here up to 2^53 - 1.
  for (const n of [-7, 2 ** 48, Number.MAX_SAFE_INTEGER]) {
    const draws = Array.from({ length: 20 }, (_, i) => call(rand, 'rand.intn', `big${n}/${i}`, n) as number);
    assert.ok(draws.every((v) => Number.isSafeInteger(v) && v >= 0 && v < Math.abs(n)), `${n}: ${draws.join(',')}`);
    if (Math.abs(n) > 2 ** 48) assert.ok(draws.some((v) => v >= 2 ** 40), 'draws use the whole range');
  }
  assert.throws(() => call(rand, 'rand.intn', 'k', 2 ** 60), (e: unknown) => e instanceof BuiltinError && e.message === 'operand 2 is too large (at most 2^53 - 1)');
});

test('a malformed key is an error that does not quote the key', () => {
  const secretish = '{"kty":"oct","k":"c2VjcmV0LWtleS1tYXRlcmlhbA" oops';
  for (const f of [() => call(jwt, 'io.jwt.encode_sign_raw', '{"alg":"HS256"}', '{}', secretish), () => call(jwt, 'io.jwt.verify_rs256', `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.e30.AAAA`, secretish)]) {
    assert.throws(f, (e: unknown) => e instanceof BuiltinError && /not valid JSON/.test(e.message) && !e.message.includes('c2VjcmV0'));
  }
});
