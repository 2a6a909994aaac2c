import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { compileBuiltins, type BuiltinModule } from './values.ts';

let b: BuiltinModule;
before(async () => {
  b = await compileBuiltins('compiler/assembly/builtins/tests/net.ts');
});
const err = (x: unknown): string => String((x as { error?: string }).error);

test('cidr_contains / intersects / is_valid (IPv4 and IPv6)', () => {
  assert.equal(b.call('net.cidr_contains', '10.0.0.0/8', '10.1.0.0/24'), true);
  assert.equal(b.call('net.cidr_contains', '172.17.0.0/24', '172.17.0.0/16'), false);
  assert.equal(b.call('net.cidr_contains', '10.0.0.0/8', '10.1.2.3'), true);
  assert.equal(b.call('net.cidr_contains', '10.0.0.0/8', '192.168.1.1'), false);
  assert.equal(b.call('net.cidr_contains', '2001:4860:4860::8888/32', '2001:4860:4860:1234::8888/40'), true);
  assert.equal(b.call('net.cidr_contains', '2001:4860::/96', '2001:4860::/32'), false);
  assert.equal(b.call('net.cidr_contains', 'not-a-cidr', '192.168.1.67'), undefined);
  assert.equal(b.call('net.cidr_intersects', '192.168.1.0/25', '192.168.1.64/25'), true);
  assert.equal(b.call('net.cidr_intersects', '192.168.1.0/24', '192.168.2.0/24'), false);
  assert.equal(b.call('net.cidr_intersects', 'fd1e:5bfe:8af3:9ddc::/64', 'fd1e:5bfe:8af3:9ddc:1111::/72'), true);
  assert.equal(b.call('net.cidr_is_valid', '2002::1234:abcd:ffff:c0a8:101/64'), true);
  assert.equal(b.call('net.cidr_is_valid', '192.168.1.2'), false);
  assert.equal(b.call('net.cidr_is_valid', '010.0.0.0/8'), false);
  assert.equal(b.call('net.cidr_is_valid', '1.2.3.4/33'), false);
});

test('cidr_expand', () => {
  assert.deepEqual(b.call('net.cidr_expand', '192.168.1.1/30'), ['192.168.1.0', '192.168.1.1', '192.168.1.2', '192.168.1.3']);
  assert.deepEqual(b.call('net.cidr_expand', '172.16.100.255/30'), ['172.16.100.252', '172.16.100.253', '172.16.100.254', '172.16.100.255']);
  assert.deepEqual(b.call('net.cidr_expand', 'fe80::/127'), ['fe80::', 'fe80::1']);
  assert.match(err(b.strict('net.cidr_expand', '192.168.1.1/33')), /net.cidr_expand: invalid CIDR address: 192.168.1.1\/33/);
});

test('cidr_merge', () => {
  const m = (x: unknown): unknown => b.call('net.cidr_merge', x);
  assert.deepEqual(m(['192.0.128.0/24', '192.0.129.0/24']), ['192.0.128.0/23']);
  assert.deepEqual(m(['192.0.2.112/30', '192.0.2.116/31', '192.0.2.118/31']), ['192.0.2.112/29']);
  assert.deepEqual(m(['192.0.2.112/30', '192.0.2.116/32', '192.0.2.118/31']), ['192.0.2.112/30', '192.0.2.116/32', '192.0.2.118/31']);
  assert.deepEqual(m(['192.0.2.112/31', '192.0.2.116/31', '192.0.2.118/31']), ['192.0.2.112/31', '192.0.2.116/30']);
  const mix = ['192.0.1.254/31'];
  for (let i = 0; i < 16; i++) mix.push(`192.0.2.${i * 16}/28`);
  mix.push('192.0.3.0/28');
  assert.deepEqual(m(mix), ['192.0.1.254/31', '192.0.2.0/24', '192.0.3.0/28']);
  assert.deepEqual(m(['::/0', '::192.0.2.0/124', 'ff00::101/128']), ['::/0']);
  assert.deepEqual(m(['fe80::/120', '192.0.2.0/24', '192.0.3.0/24', '192.0.4.0/25', '192.0.4.128/25']), ['192.0.2.0/23', '192.0.4.0/24', 'fe80::/120']);
  assert.deepEqual(m(['192.0.2.112', '192.0.2.116/31']), ['192.0.2.0/24']);
  assert.deepEqual(m(['2601:600:8a80:207e:a57d:7567:e2c9:e7b3/64', '2601:600:8a80:207e:a57d:7567:e2c9:e7b3/128']), ['2601:600:8a80:207e::/64']);
  assert.deepEqual(m([]), []);
  assert.match(err(b.strict('net.cidr_merge', ['2601:600:8a80:207e:a57d:7567:e2c9:e7b3'])), /IPv6 invalid: needs prefix length/);
  assert.equal(m(['foo']), undefined);
});

test('cidr_contains_matches', () => {
  const cm = (a: unknown, x: unknown): unknown => b.call('net.cidr_contains_matches', a, x);
  assert.deepEqual(cm('1.1.1.0/24', '1.1.1.1'), [['1.1.1.0/24', '1.1.1.1']]);
  assert.deepEqual(cm(['1.1.2.0/24', '1.1.1.0/24'], ['1.1.1.1', '1.1.2.1']), [[0, 1], [1, 0]]);
  assert.deepEqual(cm([['1.1.2.0/24', 1], '1.1.1.0/24'], ['1.1.1.1', '1.1.2.1']), [[0, 1], [1, 0]]);
  assert.deepEqual(cm({ k1: '1.1.1.1/24', k2: ['1.1.1.2/24', 1] }, '1.1.1.128'), [['k1', '1.1.1.128'], ['k2', '1.1.1.128']]);
  assert.match(err(b.strict('net.cidr_contains_matches', ['1.1.1.0/24'], ['1.1.1.1', 1])), /operand 2: element must be string or non-empty array/);
});
