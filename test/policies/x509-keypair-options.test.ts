// crypto.x509.parse_and_verify_certificates_with_options and crypto.x509.parse_keypair on their
// own (no compile). The chain is the small PKI in test/policies/fixtures/pki (a root CA and a leaf
// for agent.example.test / 10.0.0.1, server and client auth); key pairs are made here with openssl
// in a temporary folder, so no private key is committed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { x509Builtins } from '../../agent/src/policy/host-builtins/x509.ts';
import { BuiltinError, type EvalContext } from '../../agent/src/policy/host-builtins/types.ts';

const ctx: EvalContext = { cache: new Map(), nowNs: Date.now() * 1e6 };
const x509 = x509Builtins(() => ctx);
const call = (name: string, ...args: unknown[]): unknown => x509[name]!(...args);
const json = (v: unknown): unknown => (v instanceof ArrayBuffer ? JSON.parse(new TextDecoder().decode(v)) : v);
const pki = (f: string): string => readFileSync(join(import.meta.dirname, 'fixtures', 'pki', f), 'utf8');
const chain = pki('ca.pem') + pki('leaf.pem');

function verify(options: unknown): [boolean, Record<string, unknown>[]] {
  return json(call('crypto.x509.parse_and_verify_certificates_with_options', chain, options)) as [boolean, Record<string, unknown>[]];
}
function builtinError(message: string) {
  return (e: unknown): boolean => e instanceof BuiltinError && e.code === 'eval_builtin_error' && e.message === message;
}

test('with_options: host name, key usages and the time decide; the chain comes back leaf first', () => {
  const [ok, certs] = verify({ DNSName: 'agent.example.test', KeyUsages: ['KeyUsageServerAuth'] });
  assert.equal(ok, true);
  assert.deepEqual(certs.map((c) => (c.Subject as { CommonName: string }).CommonName), ['agent.example.test', 'Warden Test Root']);
  assert.equal('URIStrings' in certs[0]!, false, 'OPA adds URIStrings only without options');
  assert.deepEqual(verify({})[0], true, 'no options: server auth at the evaluation time');
  assert.deepEqual(verify({ DNSName: '10.0.0.1' })[0], true, 'an IP address is checked against the IP SANs');
  assert.deepEqual(verify({ DNSName: 'other.example.test' }), [false, []], 'a name the leaf is not for');
  assert.deepEqual(verify({ DNSName: 'Warden Test Root' }), [false, []], "the subject's common name is never a host name");
  assert.deepEqual(verify({ KeyUsages: ['KeyUsageClientAuth'] })[0], true);
  assert.deepEqual(verify({ KeyUsages: ['KeyUsageCodeSigning'] }), [false, []], 'the leaf is not for code signing');
  assert.deepEqual(verify({ KeyUsages: ['KeyUsageCodeSigning', 'KeyUsageClientAuth'] })[0], true, 'one of the usages is enough');
  assert.deepEqual(verify({ KeyUsages: ['KeyUsageAny'] })[0], true);
  assert.deepEqual(verify({ CurrentTime: Date.UTC(1999, 0, 1) * 1e6 }), [false, []], 'not yet valid then');
  assert.deepEqual(verify({ CurrentTime: Date.UTC(2200, 0, 1) * 1e6 }), [false, []], 'expired by then');
  assert.deepEqual(verify({ MaxConstraintComparisons: 10 })[0], true);
  assert.deepEqual(json(call('crypto.x509.parse_and_verify_certificates_with_options', pki('leaf.pem') + pki('ca.pem'), {})), [false, []], 'root first');
  assert.deepEqual(json(call('crypto.x509.parse_and_verify_certificates_with_options', 'not base64!', {})), [false, []], 'unreadable input is no chain');
});

test("with_options: a bad option is OPA's error", () => {
  const cases: [unknown, string][] = [
    [{ DNSName: 1 }, "'DNSName' should be a string"],
    [{ CurrentTime: '2020' }, "'CurrentTime' should be a number"],
    [{ CurrentTime: 1.5 }, "'CurrentTime' should be a valid int64 number"],
    [{ MaxConstraintComparisons: 'x' }, "'MaxConstraintComparisons' should be a number"],
    [{ KeyUsages: 'KeyUsageAny' }, "'KeyUsages' should be an Array or Set"],
    [{ KeyUsages: ['KeyUsageServerAuth', 'ServerAuth', 'Bogus'] }, "invalid entries for 'KeyUsages' found: [ServerAuth Bogus]"],
    [{ Roots: [] }, 'invalid key option'],
  ];
  for (const [options, message] of cases) assert.throws(() => verify(options), builtinError(message), message);
  assert.throws(() => verify([]), (e: unknown) => e instanceof BuiltinError && e.code === 'eval_type_error' && e.message === 'operand 2 must be object but got array');
  assert.throws(() => call('crypto.x509.parse_and_verify_certificates_with_options', 1, {}), (e: unknown) => e instanceof BuiltinError && e.message === 'operand 1 must be string but got number');
});

test('parse_keypair: a certificate and its key (PEM, base64 of PEM, DER) give the chain, the key and the leaf', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-keypair-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-subj', '/CN=pair.example.test', '-days', '2'], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  const cert = readFileSync(join(dir, 'c.pem'), 'utf8');
  const key = readFileSync(join(dir, 'k.pem'), 'utf8');
  const pair = json(call('crypto.x509.parse_keypair', cert, key)) as Record<string, unknown>;
  assert.deepEqual(Object.keys(pair), ['Certificate', 'PrivateKey', 'SupportedSignatureAlgorithms', 'OCSPStaple', 'SignedCertificateTimestamps', 'Leaf']);
  const der = Buffer.from(cert.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  assert.deepEqual(pair.Certificate, [der.toString('base64')]);
  assert.deepEqual((pair.PrivateKey as { Curve: unknown }).Curve, { Name: 'P-256', BitSize: 256 });
  assert.equal(((pair.Leaf as { Subject: { CommonName: string } }).Subject).CommonName, 'pair.example.test');
  assert.deepEqual(json(call('crypto.x509.parse_keypair', Buffer.from(cert).toString('base64'), Buffer.from(key).toString('base64'))), pair, 'base64 of PEM');
  const keyDer = Buffer.from(key.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  assert.deepEqual(json(call('crypto.x509.parse_keypair', der.toString('base64'), keyDer.toString('base64'))), pair, 'base64 of DER');
  // The chain: every certificate of the input, the leaf first as given.
  const withCa = json(call('crypto.x509.parse_keypair', cert + pki('ca.pem'), key)) as { Certificate: string[] };
  assert.equal(withCa.Certificate.length, 2);

  const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs1' }).toString();
  assert.throws(() => call('crypto.x509.parse_keypair', cert, other), builtinError('tls: private key does not match public key'));
  assert.throws(() => call('crypto.x509.parse_keypair', cert, rsa), builtinError('tls: private key type does not match public key type'));
  assert.throws(() => call('crypto.x509.parse_keypair', cert, cert), builtinError('tls: found a certificate rather than a key in the PEM for the private key'));
  assert.throws(() => call('crypto.x509.parse_keypair', key, key), builtinError('tls: failed to find "CERTIFICATE" PEM block in certificate input after skipping PEM blocks of the following types: [PRIVATE KEY]'));
  assert.throws(() => call('crypto.x509.parse_keypair', cert, '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n'), builtinError('tls: failed to parse private key'));
  assert.throws(() => call('crypto.x509.parse_keypair', 'abc', key), builtinError('illegal base64 data at input byte 0'));
  assert.throws(() => call('crypto.x509.parse_keypair', cert, 2), (e: unknown) => e instanceof BuiltinError && e.code === 'eval_type_error' && e.message === 'operand 1 must be string but got number');
});
