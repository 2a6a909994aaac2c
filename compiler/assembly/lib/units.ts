// units.parse / units.parse_bytes as OPA implements them, computed exactly: the amount's decimal
// digits are scaled by the unit (10^3k, or 1024^k by repeated decimal multiplication) and written
// out as plain decimal text (no exponent), so "500m" is exactly 0.5 and "10Ei" exactly
// 11529215046068469760.
import { lib_alloc, set_out_len } from './alloc';

export const U_OK = 0;
export const U_NO_AMOUNT = 1;
export const U_BAD_NUMBER = 2;
export const U_SPACES = 3;
export const U_UNKNOWN_UNIT = 4;

function lower(c: u32): u32 {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

function is_digit(c: u32): bool {
  return c >= 48 && c <= 57;
}

// Digits of the amount, most significant first, in a scratch buffer; decimal exponent separate.
let digits: usize = 0;
let nd: i32 = 0;
let exp10: i32 = 0;

function mul_small(m: u32): void {
  let carry: u32 = 0;
  for (let i = nd - 1; i >= 0; i--) {
    const v = <u32>load<u8>(digits + <usize>i) * m + carry;
    store<u8>(digits + <usize>i, <u8>(v % 10));
    carry = v / 10;
  }
  while (carry > 0) {
    memory.copy(digits + 1, digits, <usize>nd);
    store<u8>(digits, <u8>(carry % 10));
    carry /= 10;
    nd++;
  }
}

/**
 * Parses [p, p+n). bytes: units.parse_bytes rules (case-insensitive, optional trailing "b",
 * result truncated to an integer). On U_OK returns the decimal text pointer (length in out_len).
 */
export function units_parse(p: usize, n: usize, bytes: bool): i32 {
  // Strip quotes; reject spaces.
  const s = lib_alloc(n + 1);
  let len: usize = 0;
  for (let i: usize = 0; i < n; i++) {
    const c = <u32>load<u8>(p + i);
    if (c == 32) return U_SPACES;
    if (c == 34) continue;
    store<u8>(s + len, <u8>(bytes ? lower(c) : c));
    len++;
  }
  // Amount: [-+]? digits/dots, then an exponent only if e/E is followed by [+-]?digit.
  let i: usize = 0;
  let neg = false;
  if (i < len && (load<u8>(s) == 45 || load<u8>(s) == 43)) {
    neg = load<u8>(s) == 45;
    i++;
  }
  const numStart = i;
  while (i < len && (is_digit(load<u8>(s + i)) || load<u8>(s + i) == 46)) i++;
  const mantEnd = i;
  let e: i32 = 0;
  if (i < len && lower(load<u8>(s + i)) == 101) {
    let j = i + 1;
    let eneg = false;
    if (j < len && (load<u8>(s + j) == 45 || load<u8>(s + j) == 43)) {
      eneg = load<u8>(s + j) == 45;
      j++;
    }
    if (j < len && is_digit(load<u8>(s + j))) {
      while (j < len && is_digit(load<u8>(s + j))) {
        if (e < 10000) e = e * 10 + <i32>(load<u8>(s + j) - 48);
        j++;
      }
      if (eneg) e = -e;
      i = j;
    }
  }
  if (mantEnd == numStart) return U_NO_AMOUNT;
  // Mantissa digits and fraction length; exactly one optional '.', at least one digit.
  digits = lib_alloc(mantEnd - numStart + 64 + 80);
  nd = 0;
  let dots = 0;
  let frac = 0;
  for (let k = numStart; k < mantEnd; k++) {
    const c = load<u8>(s + k);
    if (c == 46) {
      dots++;
      continue;
    }
    store<u8>(digits + <usize>nd, <u8>(c - 48));
    nd++;
    if (dots > 0) frac++;
  }
  if (dots > 1 || nd == 0) return U_BAD_NUMBER;
  if (e > 400 || e < -400) return U_BAD_NUMBER;
  exp10 = e - frac;
  // Unit.
  const us = s + i;
  let ul = len - i;
  if (bytes && ul > 0 && load<u8>(us + ul - 1) == 98) ul--; // trailing "b"
  let power: i32 = 0;
  let binary = false;
  if (ul > 0) {
    const c0 = <u32>load<u8>(us);
    if (ul == 2) {
      if (lower(load<u8>(us + 1)) != 105) return U_UNKNOWN_UNIT; // 'i'
      binary = true;
    } else if (ul != 1) return U_UNKNOWN_UNIT;
    const l = lower(c0);
    if (!bytes && !binary && c0 == 109) power = -1; // milli (units.parse only)
    else if (l == 107) power = 1;
    else if (l == 109) power = 2;
    else if (l == 103) power = 3;
    else if (l == 116) power = 4;
    else if (l == 112) power = 5;
    else if (l == 101) power = 6;
    else return U_UNKNOWN_UNIT;
  }
  if (binary) {
    for (let k = 0; k < power; k++) mul_small(1024);
  } else {
    exp10 += 3 * power;
  }
  // Write plain decimal text.
  const total = <usize>nd + <usize>(exp10 > 0 ? exp10 : -exp10) + 4;
  const out = lib_alloc(total);
  let q = out;
  // Skip leading zeros of the integer part.
  let intDigits = nd + exp10; // digits before the decimal point (may be <= 0 or > nd)
  let first = 0;
  while (first < nd - 1 && first < intDigits - 1 && load<u8>(digits + <usize>first) == 0) first++;
  if (neg) {
    store<u8>(q, 45);
    q++;
  }
  if (intDigits <= 0) {
    store<u8>(q, 48);
    q++;
  } else {
    for (let k = first; k < intDigits; k++) {
      store<u8>(q, <u8>(48 + (k < nd ? load<u8>(digits + <usize>k) : 0)));
      q++;
    }
  }
  // Fraction (dropped for bytes): digits from intDigits to nd, trailing zeros removed.
  if (!bytes) {
    let last = nd - 1;
    while (last >= 0 && last >= intDigits && load<u8>(digits + <usize>last) == 0) last--;
    if (last >= intDigits && last >= 0) {
      store<u8>(q, 46);
      q++;
      for (let k = intDigits; k <= last; k++) {
        store<u8>(q, <u8>(48 + (k >= 0 ? load<u8>(digits + <usize>k) : 0)));
        q++;
      }
    }
  }
  // "-0" → "0"
  if (neg && q - out == 2 && load<u8>(out + 1) == 48) {
    store<u8>(out, 48);
    q--;
  }
  result_ptr = out;
  set_out_len(q - out);
  return U_OK;
}

/** Pointer to the text of the last successful units_parse. */
export let result_ptr: usize = 0;

export function units_result(): usize {
  return result_ptr;
}
