// crypto.x509.parse_and_verify_certificates with name constraints (RFC 5280 §4.2.1.10), as Go's
// crypto/x509 enforces them under OPA: a CA's permitted/excluded DNS names, IP ranges, emails and
// URI domains bind the SANs of every certificate below it (never the subject's CN), a critical
// constraint of a kind Go does not handle fails the chain, pathLenConstraint limits intermediates,
// and a malformed constraint is Go's parse error. The PKI is made here with openssl in a temporary
// folder (one EC key for every certificate: only names and extensions differ).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { x509Builtins } from '../../agent/src/policy/host-builtins/x509.ts';
import { parseMailbox, reverseLabels } from '../../agent/src/policy/host-builtins/x509-constraints.ts';
import { BuiltinError, type EvalContext } from '../../agent/src/policy/host-builtins/types.ts';

const ctx: EvalContext = { cache: new Map(), nowNs: Date.now() * 1e6 };
const x509 = x509Builtins(() => ctx);
const json = (v: unknown): unknown => (v instanceof ArrayBuffer ? JSON.parse(new TextDecoder().decode(v)) : v);
// Certificates made during the test start at the second they are made: verify at the time of the call.
function verifyWith(options: object | null, ...pems: string[]): boolean {
  ctx.nowNs = Date.now() * 1e6;
  const out = options ? x509['crypto.x509.parse_and_verify_certificates_with_options']!(pems.join(''), options) : x509['crypto.x509.parse_and_verify_certificates']!(pems.join(''));
  return (json(out) as [boolean])[0];
}
const verify = (...pems: string[]): boolean => verifyWith(null, ...pems);

const CONFIG = `[req]
distinguished_name = dn
[dn]
[dirs]
CN = Some Dir
[root_nc]
basicConstraints = critical,CA:TRUE
nameConstraints = critical,permitted;DNS:.example.test,permitted;IP:10.0.0.0/255.0.0.0,permitted;email:example.test,permitted;URI:.example.test,excluded;DNS:bad.example.test,excluded;email:boss@example.test
[root_plain]
basicConstraints = critical,CA:TRUE
[root_path0]
basicConstraints = critical,CA:TRUE,pathlen:0
[root_dirname_critical]
basicConstraints = critical,CA:TRUE
nameConstraints = critical,permitted;dirName:dirs
[root_dirname]
basicConstraints = critical,CA:TRUE
nameConstraints = permitted;dirName:dirs,permitted;DNS:example.test
[root_badmask]
basicConstraints = critical,CA:TRUE
nameConstraints = critical,permitted;IP:10.0.0.0/255.0.255.0
[int_corp]
basicConstraints = critical,CA:TRUE
nameConstraints = critical,permitted;DNS:corp.test
[ok]
subjectAltName = DNS:ok.example.test,IP:10.1.2.3,email:a@example.test,URI:https://svc.example.test/x
[other_dns]
subjectAltName = DNS:ok.other.test
[apex]
subjectAltName = DNS:example.test
[excluded]
subjectAltName = DNS:BAD.example.test
[wildcard]
subjectAltName = DNS:*.example.test
[other_ip]
subjectAltName = DNS:ok.example.test,IP:192.168.0.1
[other_email]
subjectAltName = DNS:ok.example.test,email:a@other.test
[excluded_email]
subjectAltName = email:boss@EXAMPLE.test
[uri_ip]
subjectAltName = DNS:ok.example.test,URI:https://10.0.0.5/x
[corp]
subjectAltName = DNS:x.corp.test
[corp_other]
subjectAltName = DNS:x.example.test
`;

test('name constraints: permitted and excluded names bind the SANs below the CA', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-x509-nc-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'openssl.cnf'), CONFIG);
  const openssl = (...args: string[]): void => {
    const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 0, `openssl ${args.join(' ')}: ${r.stderr}`);
  };
  openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'k.pem');
  let serial = 1;
  const root = (ext: string): string => {
    openssl('req', '-x509', '-new', '-key', 'k.pem', '-subj', `/CN=Root ${ext}`, '-days', '2', '-config', 'openssl.cnf', '-extensions', ext, '-out', `${ext}.pem`);
    return readFileSync(join(dir, `${ext}.pem`), 'utf8');
  };
  /** A certificate for `cn` signed by the CA saved as `ca`; saved as `saveAs` to sign others. */
  const issue = (ext: string, cn: string, ca: string, saveAs?: string): string => {
    openssl('req', '-new', '-key', 'k.pem', '-subj', `/CN=${cn}`, '-config', 'openssl.cnf', '-out', `${cn}.csr`);
    const out = saveAs ? `${saveAs}.pem` : `${cn}-${ext}-${serial}.pem`;
    openssl('x509', '-req', '-in', `${cn}.csr`, '-CA', `${ca}.pem`, '-CAkey', 'k.pem', '-set_serial', String(serial++), '-days', '2', '-extfile', 'openssl.cnf', '-extensions', ext, '-out', out);
    return readFileSync(join(dir, out), 'utf8');
  };

  const nc = root('root_nc');
  const leaf = (ext: string, cn = 'leaf'): string => issue(ext, cn, 'root_nc');
  assert.equal(verify(nc, leaf('ok')), true, 'every SAN within its permitted kind');
  assert.equal(verify(nc, leaf('ok', 'not-a-permitted.name')), true, "the subject's CN is not a constrained name");
  assert.equal(verify(nc, leaf('other_dns')), false, 'a DNS name outside .example.test');
  assert.equal(verify(nc, leaf('apex')), false, '.example.test needs at least one more label');
  assert.equal(verify(nc, leaf('excluded')), false, 'excluded (labels compare case-insensitively)');
  assert.equal(verify(nc, leaf('wildcard')), false, '*.example.test covers the excluded bad.example.test');
  assert.equal(verify(nc, leaf('other_ip')), false, 'an IP address outside 10.0.0.0/8');
  assert.equal(verify(nc, leaf('other_email')), false, 'an email outside example.test');
  assert.equal(verify(nc, leaf('excluded_email')), false, 'an excluded mailbox (its domain compares case-insensitively)');
  assert.equal(verify(nc, leaf('uri_ip')), false, 'a URI whose host is an IP address cannot be matched');
  assert.equal(verifyWith({ MaxConstraintComparisons: 3 }, nc, leaf('ok')), false, "more comparisons than the option allows (Go's TooManyConstraints)");
  assert.equal(verifyWith({ MaxConstraintComparisons: 100 }, nc, leaf('ok')), true);

  // The constraints of an intermediate bind the leaf below it, not the root above it.
  const plain = root('root_plain');
  const corp = issue('int_corp', 'Corp CA', 'root_plain', 'corp_ca');
  assert.equal(verify(plain, corp, issue('corp', 'leaf', 'corp_ca')), true);
  assert.equal(verify(plain, corp, issue('corp_other', 'leaf', 'corp_ca')), false);

  // pathLenConstraint 0: no intermediate below the root.
  const path0 = root('root_path0');
  const mid = issue('int_corp', 'Mid CA', 'root_path0', 'mid_ca');
  assert.equal(verify(path0, issue('ok', 'leaf', 'root_path0')), true, 'a leaf directly below is fine');
  assert.equal(verify(path0, mid, issue('corp', 'leaf', 'mid_ca')), false, 'one intermediate is too many');
  assert.equal(verify(plain, corp, issue('corp', 'leaf', 'corp_ca')), true, 'without pathlen, one is fine');

  // A directoryName constraint is not understood: fatal only when the extension is critical.
  assert.equal(verify(root('root_dirname_critical'), issue('corp', 'leaf', 'root_dirname_critical')), false);
  const dirname = root('root_dirname');
  assert.equal(verify(dirname, issue('apex', 'leaf', 'root_dirname')), true);
  assert.equal(verify(dirname, issue('other_dns', 'leaf', 'root_dirname')), false);

  // parse_certificates reports the constraints as Go's Certificate fields.
  const [parsed] = json(x509['crypto.x509.parse_certificates']!(nc)) as Record<string, unknown>[];
  assert.equal(parsed!.PermittedDNSDomainsCritical, true);
  assert.deepEqual(parsed!.PermittedDNSDomains, ['.example.test']);
  assert.deepEqual(parsed!.ExcludedDNSDomains, ['bad.example.test']);
  assert.deepEqual(parsed!.PermittedIPRanges, [{ IP: '10.0.0.0', Mask: '/wAAAA==' }]);
  assert.equal(parsed!.ExcludedIPRanges, null);
  assert.deepEqual(parsed!.PermittedEmailAddresses, ['example.test']);
  assert.deepEqual(parsed!.ExcludedEmailAddresses, ['boss@example.test']);
  assert.deepEqual(parsed!.PermittedURIDomains, ['.example.test']);
  const [unconstrained] = json(x509['crypto.x509.parse_certificates']!(plain)) as Record<string, unknown>[];
  assert.equal(unconstrained!.PermittedDNSDomainsCritical, false);
  assert.equal(unconstrained!.PermittedDNSDomains, null);

  // A mask that is not ones then zeros: Go refuses the certificate.
  const badmask = root('root_badmask');
  assert.throws(() => x509['crypto.x509.parse_certificates']!(badmask),
    (e: unknown) => e instanceof BuiltinError && e.message === 'x509: IP constraint contained invalid mask ff00ff00');
  assert.equal(verify(badmask, issue('ok', 'leaf', 'root_badmask')), false);
});

test("Go's domain labels and RFC 2821 mailboxes", () => {
  assert.deepEqual(reverseLabels('a.Example.test'), ['test', 'Example', 'a']);
  assert.deepEqual(reverseLabels(''), []);
  for (const bad of ['example.test.', '.example', 'a..b', 'sp ace.test', 'ü.test']) assert.equal(reverseLabels(bad), null, bad);
  assert.deepEqual(parseMailbox('first.last@example.test'), { local: 'first.last', domain: 'example.test' });
  assert.deepEqual(parseMailbox('"odd \\"one\\""@example.test'), { local: 'odd "one"', domain: 'example.test' });
  for (const bad of ['.a@example.test', 'a.@example.test', 'a..b@example.test', 'noat.example.test', 'a@bad..domain', '"open@example.test']) {
    assert.equal(parseMailbox(bad), null, bad);
  }
});
