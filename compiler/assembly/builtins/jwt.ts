// io.jwt.decode and io.jwt.verify_hs256/384/512. The host supplies the rest of io.jwt
// (agent/src/policy/host-builtins/jwt.ts): public-key signatures, encode_sign and decode_verify,
// which needs the clock when no "time" constraint is given.
import { malloc } from '../alloc';
import {
  TYPE_OBJECT, TYPE_STRING, TYPE_NUMBER, TYPE_ARRAY, vtype, coll_len, arr_get, obj_key_at, obj_val_at, num_to_f64,
  opa_boolean, opa_string, opa_object, opa_array_with_cap, opa_number_float,
} from '../value';
import { opa_array_append } from '../collections';
import { opa_value_equal } from '../compare';
import { num_compare } from '../number';
import { opa_json_parse } from '../json';
import { b64_decode, b64_error_at } from '../lib/base64';
import { hmac, H_SHA256, H_SHA384, H_SHA512, digest_len } from '../lib/hash';
import { is_str, sp, sl } from './support/text';
import { type_error, builtin_error, err_begin, err_str, err_bytes, err_end, err_int } from './support/errors';

// The three sections of the last split token: [start, end) offsets into the token bytes.
let s0: usize = 0; let e0: usize = 0;
let s1: usize = 0; let e1: usize = 0;
let s2: usize = 0; let e2: usize = 0;

function split(name: string, tok: usize): bool {
  const p = sp(tok);
  const n = sl(tok);
  let dots = 0;
  let d1: usize = 0;
  let d2: usize = 0;
  for (let i: usize = 0; i < n; i++) {
    if (load<u8>(p + i) == 46) {
      dots++;
      if (dots == 1) d1 = i;
      else if (dots == 2) d2 = i;
    }
  }
  if (dots == 0) { builtin_error(name, 'encoded JWT had no period separators'); return false; }
  if (dots != 2) {
    err_begin();
    err_str(name);
    err_str(': encoded JWT must have 3 sections, found ');
    err_str(dots + 1 == 2 ? '2' : dots + 1 == 4 ? '4' : 'more');
    err_end();
    return false;
  }
  s0 = 0; e0 = d1; s1 = d1 + 1; e1 = d2; s2 = d2 + 1; e2 = n;
  return true;
}

let dec_len: usize = 0;

/** base64url (padding optional) of [p+s, p+e); 0 if invalid. */
function b64url(p: usize, s: usize, e: usize): usize {
  let end = e;
  while (end > s && load<u8>(p + end - 1) == 61) end--;
  const out = malloc(end - s + 4);
  const r = b64_decode(p + s, end - s, out, true, false);
  if (r < 0) return 0;
  dec_len = <usize>r;
  return out;
}

function json_object(p: usize, n: usize): usize {
  const v = opa_json_parse(p, <u32>n);
  return v != 0 && vtype(v) == TYPE_OBJECT ? v : 0;
}

function field(o: usize, s: string): usize {
  const n = coll_len(o);
  for (let i: u32 = 0; i < n; i++) {
    const k = obj_key_at(o, i);
    if (vtype(k) != TYPE_STRING || <i32>sl(k) != s.length) continue;
    let ok = true;
    for (let j = 0; j < s.length; j++) if (<i32>load<u8>(sp(k) + <usize>j) != s.charCodeAt(j)) { ok = false; break; }
    if (ok) return obj_val_at(o, i);
  }
  return 0;
}

function str_is(v: usize, s: string): bool {
  if (v == 0 || vtype(v) != TYPE_STRING || <i32>sl(v) != s.length) return false;
  for (let j = 0; j < s.length; j++) if (<i32>load<u8>(sp(v) + <usize>j) != s.charCodeAt(j)) return false;
  return true;
}

const HEX = memory.data<u8>([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102]);

// Decoded header/payload of the last decode.
let hdr: usize = 0;
let pay: usize = 0;
let sig: usize = 0;
let sigLen: usize = 0;

/** Go's wording: "JWT header had invalid encoding: illegal base64 data at input byte 13". */
function bad_encoding(name: string, part: string): usize {
  err_begin();
  err_str(name);
  err_str(': JWT ');
  err_str(part);
  err_str(' had invalid encoding: illegal base64 data at input byte ');
  err_int(<i64>b64_error_at);
  return err_end();
}

/** Decodes tok (following nested "cty": "JWT" tokens); false after reporting an error. */
function decode(name: string, tok: usize): bool {
  if (!split(name, tok)) return false;
  const p = sp(tok);
  const h = b64url(p, s0, e0);
  if (h == 0) return bad_encoding(name, 'header') != 0;
  hdr = json_object(h, dec_len);
  if (hdr == 0) return builtin_error(name, 'JWT header is not a JSON object') != 0;
  if (field(hdr, 'enc') != 0) return builtin_error(name, 'JWT is a JWE object, which is not supported') != 0;
  const pl = b64url(p, s1, e1);
  if (pl == 0) return bad_encoding(name, 'payload') != 0;
  const plLen = dec_len;
  const sg = b64url(p, s2, e2);
  if (sg == 0) return bad_encoding(name, 'signature') != 0;
  sig = sg;
  sigLen = dec_len;
  if (str_is(field(hdr, 'cty'), 'JWT')) {
    // Nested token: the payload is a JSON string holding the inner token.
    const inner = opa_json_parse(pl, <u32>plLen);
    if (inner == 0 || vtype(inner) != TYPE_STRING) return builtin_error(name, 'nested JWT payload is not a string') != 0;
    return decode(name, inner);
  }
  pay = json_object(pl, plLen);
  if (pay == 0) return builtin_error(name, 'JWT payload is not a JSON object') != 0;
  return true;
}

export function opa_builtin_io_jwt_decode(tok: usize): usize {
  if (!is_str(tok)) return type_error('io.jwt.decode', 1, 'string', tok);
  if (!decode('io.jwt.decode', tok)) return 0;
  const hex = malloc(sigLen * 2);
  for (let i: usize = 0; i < sigLen; i++) {
    const c = load<u8>(sig + i);
    store<u8>(hex + 2 * i, load<u8>(HEX + <usize>(c >> 4)));
    store<u8>(hex + 2 * i + 1, load<u8>(HEX + <usize>(c & 15)));
  }
  const out = opa_array_with_cap(3);
  opa_array_append(out, hdr);
  opa_array_append(out, pay);
  opa_array_append(out, opa_string(hex, <u32>(sigLen * 2)));
  return out;
}

/** HMAC check of the split token's signing input against its decoded signature. */
function hmac_ok(kind: i32, tok: usize, key: usize, keyLen: usize): bool {
  const p = sp(tok);
  const sg = b64url(p, s2, e2);
  if (sg == 0) return false;
  const dl = digest_len(kind);
  if (dec_len != dl) return false;
  const mac = malloc(64);
  hmac(kind, p, e1, key, keyLen, mac);
  let d: u32 = 0;
  for (let i: usize = 0; i < dl; i++) d |= <u32>(load<u8>(mac + i) ^ load<u8>(sg + i));
  return d == 0;
}

function verify_hs(name: string, kind: i32, tok: usize, secret: usize): usize {
  if (!is_str(tok)) return type_error(name, 1, 'string', tok);
  if (!is_str(secret)) return type_error(name, 2, 'string', secret);
  if (!split(name, tok)) return 0;
  if (b64url(sp(tok), s2, e2) == 0) return builtin_error(name, 'JWT signature had invalid encoding');
  return opa_boolean(hmac_ok(kind, tok, sp(secret), sl(secret)));
}

export function opa_builtin_io_jwt_verify_hs256(t: usize, s: usize): usize { return verify_hs('io.jwt.verify_hs256', H_SHA256, t, s); }
export function opa_builtin_io_jwt_verify_hs384(t: usize, s: usize): usize { return verify_hs('io.jwt.verify_hs384', H_SHA384, t, s); }
export function opa_builtin_io_jwt_verify_hs512(t: usize, s: usize): usize { return verify_hs('io.jwt.verify_hs512', H_SHA512, t, s); }
