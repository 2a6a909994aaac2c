// Host builtins end to end: a fleet policy verifying an ES256 JWT and calling rand.intn, compiled
// through the server's compile path (compile child), evaluated by the agent's PolicyEngine.
// Tokens are signed here with node:crypto; forged and wrongly signed tokens must be refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { compileInChild } from '../../server/src/policy/compile-process.ts';
import { PolicyEngine } from '../../agent/src/policy/evaluate.ts';
import type { PolicyBundle } from '../../agent/src/policy/bundle.ts';
import type { PolicyInput } from '../../wire/src/policy-input.ts';

const POLICY = `package warden
import rego.v1

# An exemption token the IT team signs (ES256); only its public key is in the bundle's data.
claims := c if {
	[ok, _, c] := io.jwt.decode_verify(input.device.token, {"cert": data.exemption_jwk, "alg": "ES256", "iss": "it"})
	ok
}

default action := "block"

action := "allow" if claims.exempt == true

roll(f) := rand.intn(f.id, 1000000000)

decisions := [d |
	some f in input.findings
	d := {
		"finding": f.id, "tool": f.tool, "action": action, "reason": sprintf("%d", [roll(f)]),
		"message": "", "alternative": "", "rule": sprintf("%d", [rand.intn(f.id, 1000000000)]),
		"grace_until": null, "monitor": false, "settings": null,
	}
]
`;

const it = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });

function es256(payload: object, key = it.privateKey): string {
  const enc = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${enc({ alg: 'ES256', typ: 'JWT' })}.${enc(payload)}`;
  return `${input}.${sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}

function policyInput(token: string): PolicyInput {
  const finding = { id: 'claude-code:npm:alice', tool: 'claude-code', name: 'Claude Code', vendor: 'Anthropic', vendor_country: 'US', category: 'agent', channel: 'npm', user: 'alice', version: '1.0.0', semver: '1.0.0', running: false };
  return { device: { id: 'd1', hostname: 'h', os: 'linux', groups: [], token }, users: {}, findings: [finding], exceptions: [] } as unknown as PolicyInput;
}

test('a fleet policy using host builtins compiles on the server and runs in the agent', { timeout: 300_000 }, async () => {
  const wasm = await compileInChild({ modules: [{ file: 'warden.rego', source: POLICY }], entrypoints: ['warden/decisions'] });
  const jwk = JSON.stringify(it.publicKey.export({ format: 'jwk' }));
  const bundle = { wasm, data: { exemption_jwk: jwk }, revision: 'r1' } as unknown as PolicyBundle;
  const engine = await PolicyEngine.load(bundle);
  const exp = Math.floor(Date.now() / 1000) + 3600;

  const good = es256({ iss: 'it', exempt: true, exp });
  assert.equal(engine.evaluate(policyInput(good))[0]!.action, 'allow', 'a token IT signed is honoured');

  // The same token with its payload rewritten (signature kept) is refused.
  const [h, , s] = good.split('.');
  const forged = `${h}.${Buffer.from(JSON.stringify({ iss: 'it', exempt: true, exp: exp + 10 })).toString('base64url')}.${s}`;
  assert.equal(engine.evaluate(policyInput(forged))[0]!.action, 'block', 'altered payload');
  assert.equal(engine.evaluate(policyInput(es256({ iss: 'it', exempt: true, exp }, other.privateKey)))[0]!.action, 'block', 'signed by another key');
  assert.equal(engine.evaluate(policyInput(es256({ iss: 'it', exempt: true, exp: Math.floor(Date.now() / 1000) - 10 })))[0]!.action, 'block', 'expired (host clock)');
  assert.equal(engine.evaluate(policyInput(es256({ iss: 'someone', exempt: true, exp })))[0]!.action, 'block', 'wrong issuer');
  const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${good.split('.')[1]!}.`;
  assert.equal(engine.evaluate(policyInput(none))[0]!.action, 'block', 'alg none');
  assert.equal(engine.evaluate(policyInput('not a token'))[0]!.action, 'block', 'garbage: the builtin error makes the call undefined');

  // rand.intn: one value per arguments within an evaluation, drawn again by the next evaluation.
  const draws = new Set<string>();
  for (let i = 0; i < 10; i++) {
    const [d] = engine.evaluate(policyInput(good));
    assert.equal(d!.reason, d!.rule, 'same arguments, same evaluation, same value');
    draws.add(d!.reason);
  }
  assert.ok(draws.size > 1, `evaluations drew independently (${[...draws].join(', ')})`);
});
