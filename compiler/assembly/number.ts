// Numbers: exact int64 fast path, doubles, and exact decimal text for big or precise literals
// (OPA keeps numbers exact; a double-only runtime turns 9007199254740993 into …992).

import { malloc } from './alloc';
import { dtoa_buffered, itoa_buffered } from 'util/number';
import {
  NUM_INT, NUM_F64, NUM_REF, num_kind, num_i64, num_ref_len, num_ref_ptr, num_to_f64,
  opa_number_int, opa_number_ref,
} from './value';

const SCRATCH16: usize = memory.data(128); // UTF-16 scratch for dtoa/itoa

/** Exact powers of ten representable as doubles (10^0 … 10^22). */
function pow10_exact(e: i32): f64 {
  let r: f64 = 1;
  for (let i = 0; i < e; i++) r *= 10;
  return r;
}

/**
 * Validates JSON number grammar on [p, p+len). Returns a bit set: 1 = valid, 2 = has fraction or
 * exponent, 4 = negative. 0 means invalid.
 */
export function number_grammar(p: usize, len: u32): u32 {
  const end = p + len;
  let flags: u32 = 1;
  if (p < end && load<u8>(p) == 45) { flags |= 4; p++; }
  if (p >= end) return 0;
  let c = load<u8>(p);
  if (c == 48) {
    p++;
  } else if (c >= 49 && c <= 57) {
    while (p < end && (c = load<u8>(p)) >= 48 && c <= 57) p++;
  } else return 0;
  if (p < end && load<u8>(p) == 46) {
    flags |= 2; p++;
    const s = p;
    while (p < end && (c = load<u8>(p)) >= 48 && c <= 57) p++;
    if (p == s) return 0;
  }
  if (p < end && ((c = load<u8>(p)) == 101 || c == 69)) {
    flags |= 2; p++;
    if (p < end && ((c = load<u8>(p)) == 43 || c == 45)) p++;
    const s = p;
    while (p < end && (c = load<u8>(p)) >= 48 && c <= 57) p++;
    if (p == s) return 0;
  }
  return p == end ? flags : 0;
}

/** Double nearest (exactly when mantissa < 2^53 and |exp| ≤ 22) to a grammatical number text. */
export function parse_f64(p: usize, len: u32): f64 {
  const end = p + len;
  let neg = false;
  if (load<u8>(p) == 45) { neg = true; p++; }
  let mant: u64 = 0;
  let digits = 0;
  let exp: i32 = 0;
  let c: u8 = 0;
  while (p < end && (c = load<u8>(p)) >= 48 && c <= 57) {
    if (digits < 19) { mant = mant * 10 + <u64>(c - 48); if (mant != 0) digits++; } else exp++;
    p++;
  }
  if (p < end && load<u8>(p) == 46) {
    p++;
    while (p < end && (c = load<u8>(p)) >= 48 && c <= 57) {
      if (digits < 19) { mant = mant * 10 + <u64>(c - 48); if (mant != 0) digits++; exp--; }
      p++;
    }
  }
  if (p < end && ((c = load<u8>(p)) == 101 || c == 69)) {
    p++;
    let eneg = false;
    if (p < end && ((c = load<u8>(p)) == 43 || c == 45)) { eneg = c == 45; p++; }
    let e: i32 = 0;
    while (p < end && (c = load<u8>(p)) >= 48 && c <= 57) { if (e < 100000) e = e * 10 + <i32>(c - 48); p++; }
    exp += eneg ? -e : e;
  }
  let r: f64;
  if (mant == 0) r = 0;
  else if (mant < (<u64>1 << 53) && exp >= -22 && exp <= 22) {
    r = exp >= 0 ? <f64>mant * pow10_exact(exp) : <f64>mant / pow10_exact(-exp);
  } else if (exp < -300) {
    r = (<f64>mant * Math.pow(10, <f64>(exp + 300))) / 1e300;
  } else {
    r = <f64>mant * Math.pow(10, <f64>exp);
  }
  return neg ? -r : r;
}

/**
 * A number value from grammatical text (not copied: the bytes must stay put): integers of up to 18
 * digits become NUM_INT, everything else keeps its text (NUM_REF) with a double approximation.
 */
export function number_from_text(p: usize, len: u32, flags: u32): usize {
  const intDigits = len - ((flags & 4) ? 1 : 0);
  if ((flags & 2) == 0 && intDigits <= 18) {
    let q = p;
    const end = p + len;
    let neg = false;
    if (load<u8>(q) == 45) { neg = true; q++; }
    let i: i64 = 0;
    while (q < end) { i = i * 10 + <i64>(load<u8>(q) - 48); q++; }
    return opa_number_int(neg ? -i : i);
  }
  return opa_number_ref(p, len, parse_f64(p, len));
}

/** Parses a number from arbitrary bytes; 0 if they are not a JSON number. */
export function opa_number_parse(p: usize, len: u32): usize {
  const flags = number_grammar(p, len);
  if (flags == 0) return 0;
  return number_from_text(p, len, flags);
}

/**
 * Writes the number's JSON text as ASCII at out (which must have 40 bytes of room, or the REF
 * text length) and returns its length. Integral doubles print as integers, like OPA.
 */
export function number_format(v: usize, out: usize): u32 {
  const k = num_kind(v);
  if (k == NUM_REF) {
    const n = num_ref_len(v);
    memory.copy(out, num_ref_ptr(v), n);
    return n;
  }
  let n: u32;
  if (k == NUM_INT) {
    n = itoa_buffered<i64>(SCRATCH16, num_i64(v));
  } else {
    const f = load<f64>(v, 8);
    if (!isFinite(f)) { store<u32>(out, 0x6c6c756e); return 4; } // "null": never produce bad JSON
    n = dtoa_buffered<f64>(SCRATCH16, f);
    if (n >= 2 && load<u16>(SCRATCH16 + ((<usize>n - 2) << 1)) == 46 && load<u16>(SCRATCH16 + ((<usize>n - 1) << 1)) == 48) n -= 2;
  }
  for (let i: u32 = 0; i < n; i++) store<u8>(out + i, <u8>load<u16>(SCRATCH16 + (<usize>i << 1)));
  return n;
}

/** Upper bound of number_format's output length. */
export function number_format_size(v: usize): u32 {
  return num_kind(v) == NUM_REF ? num_ref_len(v) : 40;
}

// ---- exact decimal comparison ------------------------------------------------------------------

// Normalised decimal: value = sign * 0.d1d2…dn * 10^exp, digits without leading/trailing zeros.
let nd_neg = false;
let nd_digits: usize = 0;
let nd_n: i32 = 0;
let nd_exp: i32 = 0;

function normalise(text: usize, len: u32): void {
  const end = text + len;
  let p = text;
  nd_neg = false;
  if (p < end && load<u8>(p) == 45) { nd_neg = true; p++; }
  const buf = malloc(len + 1);
  let n: i32 = 0;
  let pointPos: i32 = -1; // digits before the point
  let leading = true;
  let skippedLeadingFrac: i32 = 0;
  let c: u8 = 0;
  while (p < end) {
    c = load<u8>(p);
    if (c == 46) { pointPos = n; p++; continue; }
    if (c == 101 || c == 69) break;
    if (leading && c == 48) {
      if (pointPos >= 0) skippedLeadingFrac++;
      p++;
      continue;
    }
    leading = false;
    store<u8>(buf + n, c);
    n++;
    p++;
  }
  let e: i32 = 0;
  if (p < end) {
    p++;
    let eneg = false;
    if (p < end && ((c = load<u8>(p)) == 43 || c == 45)) { eneg = c == 45; p++; }
    while (p < end) { if (e < 1000000) e = e * 10 + <i32>(load<u8>(p) - 48); p++; }
    if (eneg) e = -e;
  }
  // Integer digits = n when there is no point; with a point, pointPos counts digits kept before it.
  let intDigits: i32 = pointPos < 0 ? n : pointPos;
  if (pointPos >= 0 && intDigits == 0) intDigits = -skippedLeadingFrac;
  while (n > 0 && load<u8>(buf + n - 1) == 48) n--;
  nd_digits = buf;
  nd_n = n;
  nd_exp = intDigits + e;
  if (n == 0) { nd_neg = false; nd_exp = 0; }
}


/** Exact comparison of two numbers: -1, 0, 1. */
export function num_compare(a: usize, b: usize): i32 {
  const ka = num_kind(a);
  const kb = num_kind(b);
  if (ka == NUM_INT && kb == NUM_INT) {
    const x = num_i64(a), y = num_i64(b);
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  const fa = num_to_f64(a), fb = num_to_f64(b);
  // Rounding to double is monotonic, so different doubles order their exact values correctly.
  if (fa < fb) return -1;
  if (fa > fb) return 1;
  if (ka != NUM_REF && kb != NUM_REF) {
    if (ka == NUM_INT && kb == NUM_INT) return 0;
    if (ka == NUM_F64 && kb == NUM_F64) return 0;
  }
  // Same double: compare the exact decimal texts.
  let ta: usize, la: u32, tb: usize, lb: u32;
  if (ka == NUM_REF) { ta = num_ref_ptr(a); la = num_ref_len(a); } else { ta = malloc(40); la = number_format(a, ta); }
  if (kb == NUM_REF) { tb = num_ref_ptr(b); lb = num_ref_len(b); } else { tb = malloc(40); lb = number_format(b, tb); }
  normalise(ta, la);
  const an = nd_neg, ad = nd_digits, aN = nd_n, aE = nd_exp;
  normalise(tb, lb);
  const bn = nd_neg, bd = nd_digits, bN = nd_n, bE = nd_exp;
  const sa: i32 = aN == 0 ? 0 : (an ? -1 : 1);
  const sb: i32 = bN == 0 ? 0 : (bn ? -1 : 1);
  if (sa != sb) return sa < sb ? -1 : 1;
  if (sa == 0) return 0;
  let mag: i32 = 0;
  if (aE != bE) mag = aE < bE ? -1 : 1;
  else {
    const m = aN < bN ? aN : bN;
    const c = memory.compare(ad, bd, <usize>m);
    if (c != 0) mag = c < 0 ? -1 : 1;
    else if (aN != bN) mag = aN < bN ? -1 : 1;
  }
  return sa < 0 ? -mag : mag;
}
