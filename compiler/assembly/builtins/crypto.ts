// Digest builtins: crypto.md5, crypto.sha1, crypto.sha256 (hex digests), crypto.hmac.md5/sha1/
// sha256/sha512 (hex), crypto.hmac.equal (constant-time comparison).
import { malloc } from '../alloc';
import { opa_boolean, opa_string } from '../value';
import { hash, hmac, digest_len, H_MD5, H_SHA1, H_SHA256, H_SHA512 } from '../lib/hash';
import { is_str, sp, sl } from './support/text';
import { type_error } from './support/errors';

const HEX = memory.data<u8>([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102]);

function hex_of(raw: usize, n: usize): usize {
  const out = malloc(n * 2);
  for (let i: usize = 0; i < n; i++) {
    const c = load<u8>(raw + i);
    store<u8>(out + 2 * i, load<u8>(HEX + <usize>(c >> 4)));
    store<u8>(out + 2 * i + 1, load<u8>(HEX + <usize>(c & 15)));
  }
  return opa_string(out, <u32>(n * 2));
}

function digest(name: string, kind: i32, v: usize): usize {
  if (!is_str(v)) return type_error(name, 1, 'string', v);
  const raw = malloc(64);
  hash(kind, sp(v), sl(v), raw);
  return hex_of(raw, digest_len(kind));
}

export function opa_builtin_crypto_md5(v: usize): usize { return digest('crypto.md5', H_MD5, v); }
export function opa_builtin_crypto_sha1(v: usize): usize { return digest('crypto.sha1', H_SHA1, v); }
export function opa_builtin_crypto_sha256(v: usize): usize { return digest('crypto.sha256', H_SHA256, v); }

function mac(name: string, kind: i32, x: usize, key: usize): usize {
  if (!is_str(x)) return type_error(name, 1, 'string', x);
  if (!is_str(key)) return type_error(name, 2, 'string', key);
  const raw = malloc(64);
  hmac(kind, sp(x), sl(x), sp(key), sl(key), raw);
  return hex_of(raw, digest_len(kind));
}

export function opa_builtin_crypto_hmac_md5(x: usize, k: usize): usize { return mac('crypto.hmac.md5', H_MD5, x, k); }
export function opa_builtin_crypto_hmac_sha1(x: usize, k: usize): usize { return mac('crypto.hmac.sha1', H_SHA1, x, k); }
export function opa_builtin_crypto_hmac_sha256(x: usize, k: usize): usize { return mac('crypto.hmac.sha256', H_SHA256, x, k); }
export function opa_builtin_crypto_hmac_sha512(x: usize, k: usize): usize { return mac('crypto.hmac.sha512', H_SHA512, x, k); }

/** Constant-time equality (time depends only on the lengths), like Go's hmac.Equal. */
export function opa_builtin_crypto_hmac_equal(a: usize, b: usize): usize {
  if (!is_str(a)) return type_error('crypto.hmac.equal', 1, 'string', a);
  if (!is_str(b)) return type_error('crypto.hmac.equal', 2, 'string', b);
  if (sl(a) != sl(b)) return opa_boolean(false);
  let d: u32 = 0;
  for (let i: usize = 0; i < sl(a); i++) d |= <u32>(load<u8>(sp(a) + i) ^ load<u8>(sp(b) + i));
  return opa_boolean(d == 0);
}
