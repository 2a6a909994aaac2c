// Encoding builtins: base64.*, base64url.*, hex.*, urlquery.*, json.marshal/unmarshal/is_valid.
import { malloc } from '../alloc';
import {
  TYPE_OBJECT, TYPE_ARRAY, TYPE_SET, vtype, coll_len, arr_get, set_get, obj_key_at, obj_val_at, opa_boolean,
  opa_string, opa_object, opa_array_with_cap,
} from '../value';
import { opa_array_append, opa_object_get, opa_object_insert } from '../collections';
import { opa_json_parse, opa_json_dump, opa_dump_len } from '../json';
import { b64_encode, b64_encoded_len, b64_decode } from '../lib/base64';
import { buf_begin, buf_byte, buf_bytes, buf_end } from '../lib/buf';
import { get_out_len } from '../lib/alloc';
import { is_str, sp, sl } from './support/text';
import { type_error, builtin_error, err_begin, err_str, err_char, err_end } from './support/errors';

function enc(name: string, v: usize, url: bool, pad: bool): usize {
  if (!is_str(v)) return type_error(name, 1, 'string', v);
  const out = malloc(b64_encoded_len(sl(v), true));
  const n = b64_encode(sp(v), sl(v), out, url, pad);
  return opa_string(out, <u32>n);
}

export function opa_builtin_base64_encode(v: usize): usize {
  return enc('base64.encode', v, false, true);
}

export function opa_builtin_base64url_encode(v: usize): usize {
  return enc('base64url.encode', v, true, true);
}

export function opa_builtin_base64url_encode_no_pad(v: usize): usize {
  return enc('base64url.encode_no_pad', v, true, false);
}

export function opa_builtin_base64_decode(v: usize): usize {
  if (!is_str(v)) return type_error('base64.decode', 1, 'string', v);
  const out = malloc(sl(v) + 3);
  const n = b64_decode(sp(v), sl(v), out, false, true);
  if (n < 0) return builtin_error('base64.decode', 'illegal base64 data');
  return opa_string(out, <u32>n);
}

export function opa_builtin_base64_is_valid(v: usize): usize {
  if (!is_str(v)) return opa_boolean(false);
  const out = malloc(sl(v) + 3);
  return opa_boolean(b64_decode(sp(v), sl(v), out, false, true) >= 0);
}

/** Accepts padded or unpadded input (RFC 7515 appendix C), like OPA. */
export function opa_builtin_base64url_decode(v: usize): usize {
  if (!is_str(v)) return type_error('base64url.decode', 1, 'string', v);
  const n = sl(v);
  const hasPad = n > 0 && load<u8>(sp(v) + n - 1) == 61;
  const out = malloc(n + 3);
  if (!hasPad && n % 4 == 1) return builtin_error('base64url.decode', 'illegal base64url string');
  const r = b64_decode(sp(v), n, out, true, hasPad);
  if (r < 0) return builtin_error('base64url.decode', 'illegal base64 data');
  return opa_string(out, <u32>r);
}

const HEX = memory.data<u8>([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102]);
const HEXU = memory.data<u8>([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 65, 66, 67, 68, 69, 70]);

export function opa_builtin_hex_encode(v: usize): usize {
  if (!is_str(v)) return type_error('hex.encode', 1, 'string', v);
  const n = sl(v);
  const out = malloc(n * 2);
  for (let i: usize = 0; i < n; i++) {
    const c = load<u8>(sp(v) + i);
    store<u8>(out + 2 * i, load<u8>(HEX + <usize>(c >> 4)));
    store<u8>(out + 2 * i + 1, load<u8>(HEX + <usize>(c & 15)));
  }
  return opa_string(out, <u32>(n * 2));
}

function hexval(c: u32): i32 {
  if (c >= 48 && c <= 57) return <i32>c - 48;
  if (c >= 97 && c <= 102) return <i32>c - 87;
  if (c >= 65 && c <= 70) return <i32>c - 55;
  return -1;
}

function hex_byte_error(c: u32): usize {
  // Go: "encoding/hex: invalid byte: U+0067 'g'"
  err_begin();
  err_str('hex.decode: encoding/hex: invalid byte: U+');
  for (let k: u32 = 0; k < 4; k++) err_char(load<u8>(HEXU + <usize>((c >> (12 - 4 * k)) & 15)));
  err_str(" '");
  err_char(c);
  err_str("'");
  return err_end();
}

export function opa_builtin_hex_decode(v: usize): usize {
  if (!is_str(v)) return type_error('hex.decode', 1, 'string', v);
  const n = sl(v);
  const p = sp(v);
  const out = malloc(n / 2 + 1);
  let i: usize = 0;
  for (; i + 1 < n; i += 2) {
    const a = hexval(load<u8>(p + i));
    if (a < 0) return hex_byte_error(load<u8>(p + i));
    const b = hexval(load<u8>(p + i + 1));
    if (b < 0) return hex_byte_error(load<u8>(p + i + 1));
    store<u8>(out + i / 2, <u8>((a << 4) | b));
  }
  if (n % 2 == 1) {
    if (hexval(load<u8>(p + n - 1)) < 0) return hex_byte_error(load<u8>(p + n - 1));
    return builtin_error('hex.decode', 'encoding/hex: odd length hex string');
  }
  return opa_string(out, <u32>(n / 2));
}

// ---- urlquery (Go's url.QueryEscape / QueryUnescape / Values) ----

function unreserved(c: u32): bool {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c == 45 || c == 95 || c == 46 || c == 126;
}

function escape_into(p: usize, n: usize): void {
  for (let i: usize = 0; i < n; i++) {
    const c = <u32>load<u8>(p + i);
    if (unreserved(c)) buf_byte(c);
    else if (c == 32) buf_byte(43);
    else {
      buf_byte(37);
      buf_byte(load<u8>(HEXU + <usize>(c >> 4)));
      buf_byte(load<u8>(HEXU + <usize>(c & 15)));
    }
  }
}

export function opa_builtin_urlquery_encode(v: usize): usize {
  if (!is_str(v)) return type_error('urlquery.encode', 1, 'string', v);
  buf_begin(sl(v) * 3 + 1);
  escape_into(sp(v), sl(v));
  const out = buf_end();
  return opa_string(out, <u32>get_out_len());
}

/** Unescapes [p, p+n) into the active buffer; false on a bad % escape. */
function unescape_into(p: usize, n: usize): bool {
  for (let i: usize = 0; i < n; i++) {
    const c = <u32>load<u8>(p + i);
    if (c == 43) buf_byte(32);
    else if (c == 37) {
      if (i + 2 >= n) return false;
      const a = hexval(load<u8>(p + i + 1));
      const b = hexval(load<u8>(p + i + 2));
      if (a < 0 || b < 0) return false;
      buf_byte((a << 4) | b);
      i += 2;
    } else buf_byte(c);
  }
  return true;
}

export function opa_builtin_urlquery_decode(v: usize): usize {
  if (!is_str(v)) return type_error('urlquery.decode', 1, 'string', v);
  buf_begin(sl(v) + 1);
  if (!unescape_into(sp(v), sl(v))) return builtin_error('urlquery.decode', 'invalid URL escape');
  const out = buf_end();
  return opa_string(out, <u32>get_out_len());
}

function pair(k: usize, val: usize, first: bool): void {
  if (!first) buf_byte(38);
  escape_into(sp(k), sl(k));
  buf_byte(61);
  escape_into(sp(val), sl(val));
}

/** urlquery.encode_object: keys sorted (objects already are); values string, array or set. */
export function opa_builtin_urlquery_encode_object(o: usize): usize {
  if (vtype(o) != TYPE_OBJECT) return type_error('urlquery.encode_object', 1, 'object', o);
  const n = coll_len(o);
  buf_begin(64);
  let first = true;
  for (let i: u32 = 0; i < n; i++) {
    const k = obj_key_at(o, i);
    const val = obj_val_at(o, i);
    if (!is_str(k)) return type_error('urlquery.encode_object', 1, 'object[string]', k);
    const t = vtype(val);
    if (is_str(val)) {
      pair(k, val, first);
      first = false;
    } else if (t == TYPE_ARRAY || t == TYPE_SET) {
      const m = coll_len(val);
      for (let j: u32 = 0; j < m; j++) {
        const e = t == TYPE_ARRAY ? arr_get(val, j) : set_get(val, j);
        if (!is_str(e)) return type_error('urlquery.encode_object', 1, 'object[string]: string or array/set of strings', e);
        pair(k, e, first);
        first = false;
      }
    } else {
      return type_error('urlquery.encode_object', 1, 'object[string]: string or array/set of strings', val);
    }
  }
  const out = buf_end();
  return opa_string(out, <u32>get_out_len());
}

/** urlquery.decode_object: Go's url.ParseQuery; each key maps to the array of its values. */
export function opa_builtin_urlquery_decode_object(v: usize): usize {
  if (!is_str(v)) return type_error('urlquery.decode_object', 1, 'string', v);
  const p = sp(v);
  const n = sl(v);
  const out = opa_object();
  let s: usize = 0;
  while (s < n) {
    let e = s;
    while (e < n && load<u8>(p + e) != 38) e++;
    if (e > s) {
      let eq = s;
      while (eq < e && load<u8>(p + eq) != 61) eq++;
      buf_begin(eq - s + 1);
      if (!unescape_into(p + s, eq - s)) return builtin_error('urlquery.decode_object', 'invalid URL escape');
      const kp = buf_end();
      const key = opa_string(kp, <u32>get_out_len());
      const vs = eq < e ? eq + 1 : e;
      buf_begin(e - vs + 1);
      if (!unescape_into(p + vs, e - vs)) return builtin_error('urlquery.decode_object', 'invalid URL escape');
      const vp = buf_end();
      const val = opa_string(vp, <u32>get_out_len());
      let arr = opa_object_get(out, key);
      if (arr == 0) {
        arr = opa_array_with_cap(2);
        opa_object_insert(out, key, arr);
      }
      opa_array_append(arr, val);
    }
    s = e + 1;
  }
  return out;
}

// ---- JSON ----

export function opa_builtin_json_marshal(v: usize): usize {
  const p = opa_json_dump(v);
  return opa_string(p, opa_dump_len());
}

export function opa_builtin_json_unmarshal(v: usize): usize {
  if (!is_str(v)) return type_error('json.unmarshal', 1, 'string', v);
  const r = opa_json_parse(sp(v), <u32>sl(v));
  if (r == 0) return builtin_error('json.unmarshal', 'invalid JSON');
  return r;
}

export function opa_builtin_json_is_valid(v: usize): usize {
  if (!is_str(v)) return opa_boolean(false);
  return opa_boolean(opa_json_parse(sp(v), <u32>sl(v)) != 0);
}
