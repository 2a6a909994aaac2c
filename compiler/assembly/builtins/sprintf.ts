// sprintf(format, values) with Go fmt semantics as OPA applies them: integers are Go ints (or
// big integers), other numbers float64 (or their text if out of range), strings strings, and
// every other value its Rego text (OPA passes ast.Value, a fmt.Stringer). Implemented here so
// policies do not pay the SDK's JSON round trip per call.
import {
  TYPE_NULL, TYPE_BOOLEAN, TYPE_NUMBER, TYPE_STRING, TYPE_ARRAY, TYPE_OBJECT, TYPE_SET, NUM_INT, NUM_REF, vtype,
  num_kind, num_i64, num_ref_len, num_ref_ptr, num_to_f64, bool_get, coll_len, arr_get, set_get, obj_key_at,
  obj_val_at, opa_string,
} from '../value';
import { number_format } from '../number';
import { malloc } from '../alloc';
import { buf_begin, buf_byte, buf_bytes, buf_end, buf_len, buf_ptr, buf_truncate } from '../lib/buf';
import { get_out_len } from '../lib/alloc';
import { format_float } from '../lib/fmtfloat';
import { decode_rune, rune_width, count_runes, rune_offset, encode_rune } from '../lib/utf8';
import { is_str, sp, sl } from './support/text';
import { type_error } from './support/errors';

const K_INT = 0; // fits i64
const K_BIGINT = 1; // integer text beyond i64
const K_FLOAT = 2;
const K_TEXT = 3; // a number beyond float64: its literal text
const K_STRING = 4;
const K_OTHER = 5; // Rego text of a composite, boolean or null

function is_int_text(p: usize, n: usize): bool {
  let i: usize = 0;
  if (n > 0 && load<u8>(p) == 45) i = 1;
  if (i == n) return false;
  for (; i < n; i++) if (load<u8>(p + i) < 48 || load<u8>(p + i) > 57) return false;
  return true;
}

function kind_of(v: usize): i32 {
  const t = vtype(v);
  if (t == TYPE_STRING) return K_STRING;
  if (t != TYPE_NUMBER) return K_OTHER;
  const k = num_kind(v);
  if (k == NUM_INT) return K_INT;
  if (k == NUM_REF) {
    if (is_int_text(num_ref_ptr(v), <usize>num_ref_len(v))) return K_BIGINT;
    const f = num_to_f64(v);
    if (!isFinite(f)) return K_TEXT;
  }
  const f = num_to_f64(v);
  if (f == Math.floor(f) && Math.abs(f) < 9.2e18) return K_INT;
  return K_FLOAT;
}

function int_of(v: usize): i64 {
  return num_kind(v) == NUM_INT ? num_i64(v) : <i64>num_to_f64(v);
}

// ---- Rego text of values (ast.Value.String()) ----

function quote_into(p: usize, n: usize): void {
  buf_byte(34);
  const end = p + n;
  let q = p;
  while (q < end) {
    const r = decode_rune(q, end);
    const w = <usize>rune_width;
    if (r == 34 || r == 92) { buf_byte(92); buf_byte(r); }
    else if (r == 10) { buf_byte(92); buf_byte(110); }
    else if (r == 13) { buf_byte(92); buf_byte(114); }
    else if (r == 9) { buf_byte(92); buf_byte(116); }
    else if (r < 32 || r == 0x7f) {
      buf_byte(92); buf_byte(120);
      buf_byte(hexd(r >> 4, false)); buf_byte(hexd(r & 15, false));
    } else buf_bytes(q, w);
    q += w;
  }
  buf_byte(34);
}

function number_text(v: usize): void {
  const tmp = malloc(num_kind(v) == NUM_REF ? <usize>num_ref_len(v) + 8 : 48);
  const n = number_format(v, tmp);
  buf_bytes(tmp, <usize>n);
}

function rego_text(v: usize): void {
  const t = vtype(v);
  if (t == TYPE_NULL) { buf_word4(0x6c6c756e); return; }
  if (t == TYPE_BOOLEAN) {
    if (bool_get(v)) buf_word4(0x65757274);
    else { buf_word4(0x736c6166); buf_byte(101); }
    return;
  }
  if (t == TYPE_NUMBER) { number_text(v); return; }
  if (t == TYPE_STRING) { quote_into(sp(v), sl(v)); return; }
  const n = coll_len(v);
  if (t == TYPE_ARRAY) {
    buf_byte(91);
    for (let i: u32 = 0; i < n; i++) { if (i > 0) { buf_byte(44); buf_byte(32); } rego_text(arr_get(v, i)); }
    buf_byte(93);
    return;
  }
  if (t == TYPE_SET) {
    if (n == 0) { buf_word4(0x28746573); buf_byte(41); return; } // set()
    buf_byte(123);
    for (let i: u32 = 0; i < n; i++) { if (i > 0) { buf_byte(44); buf_byte(32); } rego_text(set_get(v, i)); }
    buf_byte(125);
    return;
  }
  if (t == TYPE_OBJECT) {
    buf_byte(123);
    for (let i: u32 = 0; i < n; i++) {
      if (i > 0) { buf_byte(44); buf_byte(32); }
      rego_text(obj_key_at(v, i));
      buf_byte(58);
      buf_byte(32);
      rego_text(obj_val_at(v, i));
    }
    buf_byte(125);
  }
}

function buf_word4(w: u32): void {
  for (let i = 0; i < 4; i++) buf_byte(<i32>((w >> (8 * <u32>i)) & 0xff));
}

function hexd(d: i32, upper: bool): i32 {
  return d < 10 ? 48 + d : (upper ? 55 : 87) + d;
}

// ---- directives ----

let fMinus = false;
let fPlus = false;
let fSpace = false;
let fZero = false;
let fSharp = false;
let width = -1;
let prec = -1;

/** Pads the text written since `start` to `width` runes (left or right, spaces or zeros). */
function pad_from(start: usize, numeric: bool): void {
  if (width < 0) return;
  const len = buf_len() - start;
  const base = buf_ptr() + start;
  const runes = count_runes(base, len);
  if (runes >= width) return;
  const fill = width - runes;
  if (fMinus) {
    for (let i = 0; i < fill; i++) buf_byte(32);
    return;
  }
  // Copy the text out, rewrite with padding in front (zeros go after a sign).
  const tmp = malloc(len);
  memory.copy(tmp, base, len);
  buf_truncate(start);
  let k: usize = 0;
  if (numeric && fZero && len > 0 && (load<u8>(tmp) == 45 || load<u8>(tmp) == 43 || load<u8>(tmp) == 32)) {
    buf_byte(load<u8>(tmp));
    k = 1;
  }
  for (let i = 0; i < fill; i++) buf_byte(numeric && fZero ? 48 : 32);
  buf_bytes(tmp + k, len - k);
}

function put_uint(mag: u64, base: u32, upper: bool, minDigits: i32): void {
  const tmp = malloc(72);
  let n = 0;
  if (mag == 0 && minDigits != 0) { store<u8>(tmp, 48); n = 1; }
  while (mag > 0) {
    store<u8>(tmp + <usize>n, <u8>hexd(<i32>(mag % <u64>base), upper));
    mag /= <u64>base;
    n++;
  }
  for (let i = n; i < minDigits; i++) buf_byte(48);
  for (let i = n - 1; i >= 0; i--) buf_byte(load<u8>(tmp + <usize>i));
}

function fmt_int(v: i64, verb: i32): void {
  const neg = v < 0;
  const mag: u64 = neg ? <u64>(-v) : <u64>v;
  if (neg) buf_byte(45);
  else if (fPlus) buf_byte(43);
  else if (fSpace) buf_byte(32);
  if (verb == 120 || verb == 88) {
    if (fSharp) { buf_byte(48); buf_byte(verb); }
    put_uint(mag, 16, verb == 88, prec < 0 ? 1 : prec);
  } else if (verb == 111 || verb == 79) {
    if (verb == 79) { buf_byte(48); buf_byte(111); }
    else if (fSharp) buf_byte(48);
    put_uint(mag, 8, false, prec < 0 ? 1 : prec);
  } else if (verb == 98) {
    put_uint(mag, 2, false, prec < 0 ? 1 : prec);
  } else {
    put_uint(mag, 10, false, prec < 0 ? 1 : prec);
  }
}

/** "%!v(type=value)" for a verb that does not apply to the operand. */
function bad_verb(verb: i32, v: usize, k: i32): void {
  buf_byte(37); buf_byte(33); put_rune(verb); buf_byte(40);
  if (k == K_INT) { buf_word4(0x3d746e69); number_text(v); } // "int="
  else if (k == K_FLOAT) { buf_word4(0x616f6c66); buf_word4(0x3d343674); format_float(num_to_f64(v), 103, -1); } // "float64="
  else if (k == K_STRING) { buf_word4(0x69727473); buf_byte(110); buf_byte(103); buf_byte(61); buf_bytes(sp(v), sl(v)); }
  else { rego_text(v); }
  buf_byte(41);
}

function put_rune(r: i32): void {
  const t = malloc(4);
  buf_bytes(t, <usize>encode_rune(t, r));
}

function fmt_arg(verb: i32, v: usize): void {
  const k = kind_of(v);
  const start = buf_len();
  let numeric = false;
  if (verb == 118 || verb == 115) { // %v %s
    if (k == K_STRING) {
      let n = sl(v);
      if (prec >= 0 && verb == 115) n = rune_offset(sp(v), n, prec);
      buf_bytes(sp(v), n);
    } else if (k == K_INT) { fmt_int(int_of(v), 100); numeric = true; }
    else if (k == K_FLOAT) {
      if (verb == 115) bad_verb(verb, v, k);
      else { if (fPlus && num_to_f64(v) >= 0) buf_byte(43); format_float(num_to_f64(v), 103, -1); numeric = true; }
    } else if (k == K_BIGINT || k == K_TEXT) number_text(v);
    else rego_text(v);
  } else if (verb == 100 || verb == 120 || verb == 88 || verb == 111 || verb == 79 || verb == 98) {
    if (k == K_INT) { fmt_int(int_of(v), verb); numeric = true; }
    else if (k == K_BIGINT && verb == 100) number_text(v);
    else if (k == K_STRING && (verb == 120 || verb == 88)) {
      for (let i: usize = 0; i < sl(v); i++) {
        const c = <i32>load<u8>(sp(v) + i);
        buf_byte(hexd(c >> 4, verb == 88));
        buf_byte(hexd(c & 15, verb == 88));
      }
    } else bad_verb(verb, v, k);
  } else if (verb == 101 || verb == 69 || verb == 102 || verb == 70 || verb == 103 || verb == 71) {
    if (k == K_FLOAT) {
      const f = num_to_f64(v);
      if (fPlus && f >= 0) buf_byte(43);
      else if (fSpace && f >= 0) buf_byte(32);
      const p = prec >= 0 ? prec : (verb == 103 || verb == 71 ? -1 : 6);
      format_float(f, verb == 70 ? 102 : verb, p);
      numeric = true;
    } else bad_verb(verb, v, k);
  } else if (verb == 116) { // %t
    if (vtype(v) == TYPE_BOOLEAN) rego_text(v);
    else bad_verb(verb, v, k);
  } else if (verb == 113) { // %q
    if (k == K_STRING) quote_into(sp(v), sl(v));
    else if (k == K_INT) { buf_byte(39); put_rune(<i32>int_of(v)); buf_byte(39); }
    else bad_verb(verb, v, k);
  } else if (verb == 99) { // %c
    if (k == K_INT) put_rune(<i32>int_of(v));
    else bad_verb(verb, v, k);
  } else {
    bad_verb(verb, v, k);
  }
  pad_from(start, numeric);
}

export function opa_builtin_sprintf(format: usize, values: usize): usize {
  if (!is_str(format)) return type_error('sprintf', 1, 'string', format);
  if (vtype(values) != TYPE_ARRAY) return type_error('sprintf', 2, 'array', values);
  const p = sp(format);
  const n = sl(format);
  const nargs = coll_len(values);
  let argi: u32 = 0;
  buf_begin(n + 32);
  let i: usize = 0;
  while (i < n) {
    const c = load<u8>(p + i);
    if (c != 37) {
      buf_byte(c);
      i++;
      continue;
    }
    i++;
    if (i >= n) { fix_noverb(); break; }
    fMinus = false; fPlus = false; fSpace = false; fZero = false; fSharp = false;
    width = -1;
    prec = -1;
    while (i < n) {
      const f = load<u8>(p + i);
      if (f == 45) fMinus = true;
      else if (f == 43) fPlus = true;
      else if (f == 32) fSpace = true;
      else if (f == 48) fZero = !fMinus;
      else if (f == 35) fSharp = true;
      else break;
      i++;
    }
    while (i < n && load<u8>(p + i) >= 48 && load<u8>(p + i) <= 57) {
      width = (width < 0 ? 0 : width) * 10 + <i32>(load<u8>(p + i) - 48);
      i++;
    }
    if (i < n && load<u8>(p + i) == 46) {
      i++;
      prec = 0;
      while (i < n && load<u8>(p + i) >= 48 && load<u8>(p + i) <= 57) {
        prec = prec * 10 + <i32>(load<u8>(p + i) - 48);
        i++;
      }
    }
    if (i >= n) { fix_noverb(); break; }
    const verb = decode_rune(p + i, p + n);
    i += <usize>rune_width;
    if (verb == 37) { buf_byte(37); continue; }
    if (argi >= nargs) {
      buf_byte(37); buf_byte(33); put_rune(verb);
      buf_word4(0x53494d28); buf_word4(0x474e4953); buf_byte(41); // (MISSING)
      continue;
    }
    fmt_arg(verb, arr_get(values, argi));
    argi++;
  }
  if (argi < nargs) {
    // Go: %!(EXTRA type=value, ...)
    buf_byte(37); buf_byte(33); buf_byte(40);
    buf_word4(0x52545845); buf_byte(65); buf_byte(32); // "EXTRA "
    for (let k = argi; k < nargs; k++) {
      if (k > argi) { buf_byte(44); buf_byte(32); }
      const v = arr_get(values, k);
      const kk = kind_of(v);
      if (kk == K_STRING) { buf_word4(0x69727473); buf_byte(110); buf_byte(103); buf_byte(61); buf_bytes(sp(v), sl(v)); }
      else if (kk == K_INT) { buf_word4(0x3d746e69); number_text(v); }
      else if (kk == K_FLOAT) { buf_word4(0x616f6c66); buf_word4(0x3d343674); format_float(num_to_f64(v), 103, -1); }
      else rego_text(v);
    }
    buf_byte(41);
  }
  const out = buf_end();
  return opa_string(out, <u32>get_out_len());
}

/** "%!(NOVERB)" for a format that ends inside a directive. */
function fix_noverb(): void {
  buf_byte(37); buf_byte(33); buf_byte(40);
  buf_word4(0x45564f4e); buf_byte(82); buf_byte(66); buf_byte(41); // NOVERB)
}
