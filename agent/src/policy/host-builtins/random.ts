// rand.intn and uuid.rfc4122: random, but one answer per (arguments) within one evaluation, as
// OPA caches them per query; a new evaluation draws again.
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import type { HostImplementations } from './session.ts';
import { BuiltinError, str, typeError } from './types.ts';

/**
 * Uniform in [0, bound) from the CSPRNG (OPA draws from a source seeded by crypto/rand): node's
 * randomInt below 2^48, else rejection sampling over 64 random bits. Bounds up to 2^53 - 1, the
 * largest a JSON number brings exactly (OPA takes any int64; larger bounds here are an error, not
 * a draw from a rounded bound).
 */
function uniform(bound: number): number {
  if (bound < 2 ** 48) return randomInt(bound);
  const b = BigInt(bound);
  const limit = (1n << 64n) - ((1n << 64n) % b);
  for (;;) {
    const x = randomBytes(8).readBigUInt64BE();
    if (x < limit) return Number(x % b);
  }
}

export const randomBuiltins: HostImplementations = (ctx) => ({
  'rand.intn': (s: unknown, n: unknown): number => {
    const key = str(s, 1);
    if (typeof n !== 'number') throw typeError(2, 'number', n);
    if (!Number.isInteger(n)) throw new BuiltinError('operand 2 must be integer number but got floating-point number', 'eval_type_error');
    const bound = Math.abs(n);
    if (bound === 0) return 0;
    if (bound > Number.MAX_SAFE_INTEGER) throw new BuiltinError('operand 2 is too large (at most 2^53 - 1)');
    const cacheKey = JSON.stringify(['rand.intn', key, n]);
    const cache = ctx().cache;
    const hit = cache.get(cacheKey);
    if (typeof hit === 'number') return hit;
    const v = uniform(bound);
    cache.set(cacheKey, v);
    return v;
  },
  'uuid.rfc4122': (s: unknown): string => {
    const key = JSON.stringify(['uuid.rfc4122', str(s, 1)]);
    const cache = ctx().cache;
    const hit = cache.get(key);
    if (typeof hit === 'string') return hit;
    const v = randomUUID();
    cache.set(key, v);
    return v;
  },
});
