// Guessing limits for enrollment and password login that count failures, never successes.
//
// A per-address request limit locks a whole fleet behind one NAT address out as soon as one machine
// (or one attacker) behind it guesses a few times, and throttles legitimate enrollments by each other.
// Here only failed attempts are counted, in sliding windows per key:
//
//   enroll: failures per client address. A request carrying a valid enroll secret or token always
//           succeeds — verifying one is a SHA-256 compare of a 256-bit secret, which no rate of
//           guessing can brute-force — and an invalid one from an address over its limit is answered
//           429 instead of 401, so a guesser is stopped while the fleet behind the same address keeps
//           enrolling.
//   login:  passwords are guessable, so an attempt over a limit is refused with 429 *before* the
//           password is checked: failures per (address, username), per username (any address:
//           distributed guessing) and per address (any username: password spraying). A successful
//           login clears its (address, username) count. API tokens are not affected.
//
// Counts live in memory on each server node (a restart forgets them; N nodes allow N times the
// numbers). The numbers are in README's configuration reference.

export interface AuthLimits {
  /** Sliding window every count below is taken over. */
  windowMs: number;
  /** Failed enrollments from one address before its further failures get 429. */
  enrollFailuresPerAddress: number;
  /** Failed logins for one username from one address before that pair is refused unchecked. */
  loginFailuresPerUserAddress: number;
  /** Failed logins for one username from anywhere before it is refused unchecked. */
  loginFailuresPerUser: number;
  /** Failed logins from one address (any usernames) before it is refused unchecked. */
  loginFailuresPerAddress: number;
}

export const DEFAULT_AUTH_LIMITS: AuthLimits = {
  windowMs: 15 * 60_000,
  enrollFailuresPerAddress: 20,
  loginFailuresPerUserAddress: 5,
  loginFailuresPerUser: 50,
  loginFailuresPerAddress: 100,
};

/** Most keys remembered; past it the oldest are dropped (an attacker cycling keys only forgets itself). */
const MAX_KEYS = 100_000;

/** Failure timestamps per key, at most `max` of them within the window. */
export class FailureCounter {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Milliseconds until `key` is under `max` failures in `windowMs` again (0 = under it now). */
  blockedFor(key: string, max: number, windowMs: number): number {
    const list = this.live(key, windowMs);
    if (list.length < max) return 0;
    return (list[list.length - max] as number) + windowMs - this.now();
  }

  fail(key: string, max: number, windowMs: number): void {
    const list = this.live(key, windowMs);
    list.push(this.now());
    if (list.length > max) list.splice(0, list.length - max);
    // Re-inserted so the map's order is least recently failed first (what eviction drops).
    this.failures.delete(key);
    this.failures.set(key, list);
    if (this.failures.size > MAX_KEYS) this.failures.delete(this.failures.keys().next().value as string);
  }

  clear(key: string): void {
    this.failures.delete(key);
  }

  private live(key: string, windowMs: number): number[] {
    const since = this.now() - windowMs;
    const list = (this.failures.get(key) ?? []).filter((t) => t > since);
    if (list.length === 0) this.failures.delete(key);
    return list;
  }
}

export class AuthFailureLimits {
  readonly limits: AuthLimits;
  private readonly counter: FailureCounter;

  constructor(limits: Partial<AuthLimits> = {}, now: () => number = Date.now) {
    this.limits = { ...DEFAULT_AUTH_LIMITS, ...limits };
    this.counter = new FailureCounter(now);
  }

  /** ms until a failed enrollment from `address` is answered 401 again rather than 429 (0 = now). */
  enrollBlockedFor(address: string): number {
    return this.counter.blockedFor(`enroll\0${address}`, this.limits.enrollFailuresPerAddress, this.limits.windowMs);
  }

  enrollFailed(address: string): void {
    this.counter.fail(`enroll\0${address}`, this.limits.enrollFailuresPerAddress, this.limits.windowMs);
  }

  /** ms until a login for `username` from `address` is checked again (0 = check it now). */
  loginBlockedFor(address: string, username: string): number {
    const { windowMs: w } = this.limits;
    return Math.max(
      this.counter.blockedFor(`login-ua\0${address}\0${username}`, this.limits.loginFailuresPerUserAddress, w),
      this.counter.blockedFor(`login-u\0${username}`, this.limits.loginFailuresPerUser, w),
      this.counter.blockedFor(`login-a\0${address}`, this.limits.loginFailuresPerAddress, w),
    );
  }

  loginFailed(address: string, username: string): void {
    const { windowMs: w } = this.limits;
    this.counter.fail(`login-ua\0${address}\0${username}`, this.limits.loginFailuresPerUserAddress, w);
    this.counter.fail(`login-u\0${username}`, this.limits.loginFailuresPerUser, w);
    this.counter.fail(`login-a\0${address}`, this.limits.loginFailuresPerAddress, w);
  }

  loginSucceeded(address: string, username: string): void {
    this.counter.clear(`login-ua\0${address}\0${username}`);
  }
}
