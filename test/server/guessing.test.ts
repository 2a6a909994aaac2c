// Guessing limits count failures, not successes (issue 10, item 11): a fleet of 200 devices behind one
// NAT address enrolls with the right secret while a guesser at that same address is stopped after the
// documented number of failures; a password guesser is stopped before its guesses are even checked.
// Everything here comes from 127.0.0.1: one address, as behind a NAT.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AuthFailureLimits, DEFAULT_AUTH_LIMITS } from '../../server/src/auth/failure-limiter.ts';
import { STORE_KINDS, http, pgNote, startFleet } from './helpers.ts';

const body = (secret: string, i: number | string) => ({ enroll_secret: secret, hardware_id: `hw-nat-${String(i).padStart(6, '0')}`, hostname: `nat-${i}`, platform: 'linux', agent_version: '1.0.0' });

for (const kind of STORE_KINDS) {
  test(`[${kind.name}] 200 devices behind one address enroll with the right secret while a guesser there is stopped after ${DEFAULT_AUTH_LIMITS.enrollFailuresPerAddress} failures${pgNote}`, async () => {
    const f = await startFleet(kind); // the documented defaults
    try {
      const { url } = f;
      const N = DEFAULT_AUTH_LIMITS.enrollFailuresPerAddress;
      const guess = async (i: number) => http(url, 'POST', '/api/v1/enroll', { body: body(`wrong-guess-${i}`, `guess-${i}`) });
      // The guesser uses up its failures first…
      const first: number[] = [];
      for (let i = 0; i < N; i++) first.push((await guess(i)).status);
      assert.deepEqual(first, Array(N).fill(401));
      // …then keeps guessing while the fleet enrolls, ten at a time, from the same address.
      const guesses: Promise<{ status: number; headers: Headers; body: unknown }>[] = [];
      const fleet: number[] = [];
      for (let batch = 0; batch < 20; batch++) {
        guesses.push(guess(N + batch));
        const statuses = await Promise.all(Array.from({ length: 10 }, (_, k) => http(url, 'POST', '/api/v1/enroll', { body: body(f.enrollSecret, batch * 10 + k) }).then((r) => r.status)));
        fleet.push(...statuses);
      }
      assert.equal(fleet.length, 200);
      assert.deepEqual(fleet.filter((s) => s !== 200), [], 'every device with the right secret enrolled');
      assert.equal(await f.store.countDevices(), 200);
      const later = await Promise.all(guesses);
      assert.deepEqual(later.map((r) => r.status), Array(20).fill(429), 'the guesser is stopped');
      assert.match((later[0]!.body as { message: string }).message, /too many failed enrollments from 127\.0\.0\.1: the enroll secret is not valid; retry in \d+ s/);
      assert.ok(Number(later[0]!.headers.get('retry-after')) > 0);
      const m = (await http(url, 'GET', '/metrics', { token: f.tokens.auditor })).text;
      assert.match(m, /^warden_auth_throttled_total\{route="enroll"\} 20$/m);
      assert.match(m, /^warden_enrollments_total\{result="enrolled"\} 200$/m);
    } finally {
      await f.close();
    }
  });
}

test('a password guesser is stopped before its guesses are checked; other users at the same address and the right password after the window still log in', async () => {
  let clock = Date.now();
  const f = await startFleet(STORE_KINDS[0]!, { now: () => clock });
  try {
    const { url } = f;
    const login = (username: string, password: string) => http(url, 'POST', '/api/v1/auth/login', { body: { username, password } });
    const per = DEFAULT_AUTH_LIMITS.loginFailuresPerUserAddress;
    for (let i = 0; i < per; i++) assert.equal((await login('admin-user', `guess ${i}`)).status, 401);
    let r = await login('admin-user', 'guess again');
    assert.equal(r.status, 429, r.text);
    assert.match((r.body as { message: string }).message, /too many failed logins/);
    r = await login('admin-user', 'a long enough password');
    assert.equal(r.status, 429, 'over the limit the password is not checked at all, so even the right one gets no answer');
    assert.equal((await login('auditor-user', 'a long enough password')).status, 200, 'another user at the same address logs in');
    assert.equal((await http(url, 'GET', '/api/v1/devices', { token: f.tokens.admin })).status, 200, 'API tokens are not affected');
    clock += DEFAULT_AUTH_LIMITS.windowMs + 1000;
    assert.equal((await login('admin-user', 'a long enough password')).status, 200, 'after the window the right password works');
    const failed = ((await http(url, 'GET', '/api/v1/audit?action=auth.login_failed', { token: f.tokens.admin })).body as { entries: unknown[] }).entries;
    assert.equal(failed.length, per, 'refused-unchecked attempts are counted in the metrics, failures in the audit log');
  } finally {
    await f.close();
  }
});

test('login limits per username from any address and per address across usernames; windows slide', () => {
  let clock = 1_000_000;
  const l = new AuthFailureLimits({ windowMs: 60_000, loginFailuresPerUserAddress: 3, loginFailuresPerUser: 5, loginFailuresPerAddress: 8, enrollFailuresPerAddress: 2 }, () => clock);
  // Distributed guessing of one username: 5 failures from 5 addresses stop it everywhere.
  for (let i = 0; i < 5; i++) l.loginFailed(`10.0.0.${i}`, 'root');
  assert.ok(l.loginBlockedFor('10.9.9.9', 'root') > 0);
  assert.equal(l.loginBlockedFor('10.9.9.9', 'alice'), 0);
  // Spraying usernames from one address: 8 failures stop that address for every name.
  for (let i = 0; i < 8; i++) l.loginFailed('10.1.1.1', `user${i}`);
  assert.ok(l.loginBlockedFor('10.1.1.1', 'somebody-else') > 0);
  assert.equal(l.loginBlockedFor('10.1.1.2', 'somebody-else'), 0);
  // A success clears its own (address, user) count only.
  l.loginFailed('10.2.2.2', 'bob');
  l.loginFailed('10.2.2.2', 'bob');
  l.loginSucceeded('10.2.2.2', 'bob');
  l.loginFailed('10.2.2.2', 'bob');
  l.loginFailed('10.2.2.2', 'bob');
  assert.equal(l.loginBlockedFor('10.2.2.2', 'bob'), 0);
  // Windows slide: the wait is until the oldest counted failure leaves the window.
  l.enrollFailed('10.3.3.3');
  clock += 30_000;
  l.enrollFailed('10.3.3.3');
  assert.equal(l.enrollBlockedFor('10.3.3.3'), 30_000);
  clock += 30_001;
  assert.equal(l.enrollBlockedFor('10.3.3.3'), 0);
});
