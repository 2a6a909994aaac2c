// internal.template_string: Rego string interpolation. The front end turns $"a {x} b" into
// internal.template_string(["a ", {__tpl | __tpl = x}, " b"]): literal parts are strings, each
// embedded expression is the SET of values it produced. OPA (topdown/template_string.go, sharing
// print's operand walk) prints:
//   - a string part raw; a number/boolean/null part as its Rego text;
//   - an empty set as "<undefined>"; a one-element set as its element (strings raw, anything else
//     in Rego syntax: [1, "a"], {"k": 1}, set(), {1, 2}, numbers as written);
//   - a set of several values halts: eval_conflict_error (one template, one output);
//   - an array/object part halts with eval_internal_error (the front end never produces one).
// Rego syntax is OPA's Value.String(): ", " and ": " separators and strings quoted like Go's
// strconv.Quote — which is why this does not reuse opa_value_dump (compact JSON-style text).
import {
  TYPE_NULL, TYPE_BOOLEAN, TYPE_NUMBER, TYPE_STRING, TYPE_ARRAY, TYPE_OBJECT, TYPE_SET,
  vtype, bool_get, str_len, str_ptr, coll_len, arr_get, obj_key_at, obj_val_at, set_get, opa_string,
} from '../value';
import { number_format, number_format_size } from '../number';
import { buf_begin, buf_byte, buf_bytes, buf_reserve, buf_len, buf_truncate, buf_end } from '../lib/buf';
import { decode_rune, rune_width } from '../lib/utf8';
import { opa_abort } from '../abi';
import { operand_error } from './core_errors';

// "eval_conflict_error: template-strings must not produce multiple outputs\0"
const CONFLICT: usize = memory.data<u8>([
  101, 118, 97, 108, 95, 99, 111, 110, 102, 108, 105, 99, 116, 95, 101, 114, 114, 111, 114, 58, 32,
  116, 101, 109, 112, 108, 97, 116, 101, 45, 115, 116, 114, 105, 110, 103, 115, 32, 109, 117, 115,
  116, 32, 110, 111, 116, 32, 112, 114, 111, 100, 117, 99, 101, 32, 109, 117, 108, 116, 105, 112,
  108, 101, 32, 111, 117, 116, 112, 117, 116, 115, 0,
]);
// "eval_internal_error: illegal argument type: array\0" and "...: object\0"
const ILLEGAL_ARRAY: usize = memory.data<u8>([
  101, 118, 97, 108, 95, 105, 110, 116, 101, 114, 110, 97, 108, 95, 101, 114, 114, 111, 114, 58, 32,
  105, 108, 108, 101, 103, 97, 108, 32, 97, 114, 103, 117, 109, 101, 110, 116, 32, 116, 121, 112,
  101, 58, 32, 97, 114, 114, 97, 121, 0,
]);
const ILLEGAL_OBJECT: usize = memory.data<u8>([
  101, 118, 97, 108, 95, 105, 110, 116, 101, 114, 110, 97, 108, 95, 101, 114, 114, 111, 114, 58, 32,
  105, 108, 108, 101, 103, 97, 108, 32, 97, 114, 103, 117, 109, 101, 110, 116, 32, 116, 121, 112,
  101, 58, 32, 111, 98, 106, 101, 99, 116, 0,
]);
const HEX: usize = memory.data<u8>([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102]);

function put_ascii(s: string): void {
  for (let i = 0; i < s.length; i++) buf_byte(s.charCodeAt(i));
}

function put_hex(v: i32, digits: i32): void {
  for (let s = (digits - 1) * 4; s >= 0; s -= 4) buf_byte(<i32>load<u8>(HEX + <usize>((v >> s) & 15)));
}

/**
 * Go's unicode.IsPrint for runes >= 0x80: false for controls (Cc), format characters (Cf), spaces
 * other than U+0020 (Zs/Zl/Zp), private use (Co) and noncharacters. Unassigned code points (Cn)
 * would need Unicode tables and are treated as printable.
 */
function is_print_non_ascii(r: i32): bool {
  if (r < 0xa1 || r == 0xad) return false; // C1 controls, NBSP, soft hyphen
  if (r < 0x600) return true;
  if (r <= 0x605 || r == 0x61c || r == 0x6dd || r == 0x70f || r == 0x890 || r == 0x891 || r == 0x8e2) return false;
  if (r == 0x1680 || r == 0x180e) return false;
  if (r >= 0x2000 && r <= 0x200f) return false;
  if (r >= 0x2028 && r <= 0x202f) return false;
  if (r >= 0x205f && r <= 0x206f && r != 0x2065) return false;
  if (r == 0x3000) return false;
  if (r >= 0xe000 && r <= 0xf8ff) return false;
  if (r >= 0xfdd0 && r <= 0xfdef) return false;
  if (r == 0xfeff || (r >= 0xfff9 && r <= 0xfffb) || (r & 0xfffe) == 0xfffe) return false;
  if (r == 0x110bd || r == 0x110cd || (r >= 0x13430 && r <= 0x1343f) || (r >= 0x1bca0 && r <= 0x1bca3)) return false;
  if ((r >= 0x1d173 && r <= 0x1d17a) || r == 0xe0001 || (r >= 0xe0020 && r <= 0xe007f)) return false;
  if (r >= 0xf0000) return false; // supplementary private use areas
  return true;
}

/** A string literal as Go's strconv.Quote writes it (OPA's ast.String.String()). */
function put_quoted(p: usize, n: usize): void {
  const end = p + n;
  buf_byte(34);
  let q = p;
  while (q < end) {
    const c = <i32>load<u8>(q);
    if (c < 0x80) {
      q++;
      if (c == 34 || c == 92) { buf_byte(92); buf_byte(c); }
      else if (c >= 0x20 && c < 0x7f) buf_byte(c);
      else if (c == 7) put_ascii('\\a');
      else if (c == 8) put_ascii('\\b');
      else if (c == 12) put_ascii('\\f');
      else if (c == 10) put_ascii('\\n');
      else if (c == 13) put_ascii('\\r');
      else if (c == 9) put_ascii('\\t');
      else if (c == 11) put_ascii('\\v');
      else { put_ascii('\\x'); put_hex(c, 2); }
      continue;
    }
    const r = decode_rune(q, end);
    const w = <usize>rune_width;
    if (r == 0xfffd && w == 1) { put_ascii('\\x'); put_hex(c, 2); } // invalid UTF-8 byte
    else if (is_print_non_ascii(r)) buf_bytes(q, w);
    else if (r < 0x10000) { put_ascii('\\u'); put_hex(r, 4); }
    else { put_ascii('\\U'); put_hex(r, 8); }
    q += w;
  }
  buf_byte(34);
}

/** Appends v in Rego syntax (OPA's Value.String()). */
function put_value(v: usize): void {
  const t = vtype(v);
  if (t == TYPE_NULL) put_ascii('null');
  else if (t == TYPE_BOOLEAN) put_ascii(bool_get(v) ? 'true' : 'false');
  else if (t == TYPE_NUMBER) {
    const mark = buf_len();
    const room = <usize>number_format_size(v);
    const n = <usize>number_format(v, buf_reserve(room));
    buf_truncate(mark + n);
  } else if (t == TYPE_STRING) put_quoted(str_ptr(v), <usize>str_len(v));
  else if (t == TYPE_ARRAY || t == TYPE_SET) {
    const n = coll_len(v);
    if (t == TYPE_SET && n == 0) { put_ascii('set()'); return; }
    buf_byte(t == TYPE_SET ? 123 : 91);
    for (let i: u32 = 0; i < n; i++) {
      if (i > 0) put_ascii(', ');
      put_value(t == TYPE_SET ? set_get(v, i) : arr_get(v, i));
    }
    buf_byte(t == TYPE_SET ? 125 : 93);
  } else if (t == TYPE_OBJECT) {
    const n = coll_len(v);
    buf_byte(123);
    for (let i: u32 = 0; i < n; i++) {
      if (i > 0) put_ascii(', ');
      put_value(obj_key_at(v, i));
      put_ascii(': ');
      put_value(obj_val_at(v, i));
    }
    buf_byte(125);
  }
}

/** One printed value: strings raw, everything else in Rego syntax. */
function put_part(v: usize): void {
  if (vtype(v) == TYPE_STRING) buf_bytes(str_ptr(v), <usize>str_len(v));
  else put_value(v);
}

export function opa_builtin_internal_template_string(a: usize): usize {
  if (vtype(a) != TYPE_ARRAY) return operand_error('internal.template_string', 1, 'array', a);
  const n = coll_len(a);
  buf_begin(64);
  for (let i: u32 = 0; i < n; i++) {
    const part = arr_get(a, i);
    const t = vtype(part);
    if (t == TYPE_SET) {
      const m = coll_len(part);
      if (m == 0) put_ascii('<undefined>');
      else if (m == 1) put_part(set_get(part, 0));
      else opa_abort(CONFLICT);
    } else if (t == TYPE_ARRAY) opa_abort(ILLEGAL_ARRAY);
    else if (t == TYPE_OBJECT) opa_abort(ILLEGAL_OBJECT);
    else put_part(part);
  }
  const len = buf_len();
  return opa_string(buf_end(), <u32>len);
}
