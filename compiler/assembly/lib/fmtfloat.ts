// Go-compatible float formatting (strconv.FormatFloat 'e', 'f', 'g'): digits come from the exact
// decimal expansion of the double, rounded half-to-even, or from the shortest round-trip digits
// (dtoa) for precision -1, so results match Go's, including ties like 2.675 → "2.67".
import { dtoa_buffered } from 'util/number';
import { buf_byte } from './buf';
import { lib_alloc } from './alloc';

const CAP: i32 = 1100;
let DIG: usize = 0; // ASCII digits '0'..'9', most significant first (scratch, per call)
let nd: i32 = 0; // number of digits
let dp: i32 = 0; // decimal point position: value = 0.DIG × 10^dp

const SCRATCH = memory.data(64);
let BIG: usize = 0; // little-endian decimal digits (0..9) for the exact expansion (scratch)

/** Shortest round-trip digits of |f| (f finite, non-zero). */
function shortest(f: f64): void {
  const n = <i32>dtoa_buffered<f64>(SCRATCH, Math.abs(f));
  nd = 0;
  dp = 0;
  let seenPoint = false;
  let exp = 0;
  let i = 0;
  let leading = true;
  for (; i < n; i++) {
    const c = <i32>load<u16>(SCRATCH + (<usize>i << 1));
    if (c == 46) { seenPoint = true; continue; }
    if (c == 101) {
      // e+N / e-N
      let sign = 1;
      i++;
      const s = <i32>load<u16>(SCRATCH + (<usize>i << 1));
      if (s == 45) { sign = -1; i++; } else if (s == 43) i++;
      for (; i < n; i++) exp = exp * 10 + (<i32>load<u16>(SCRATCH + (<usize>i << 1)) - 48);
      exp *= sign;
      break;
    }
    if (leading && c == 48) {
      if (seenPoint) dp--;
      continue;
    }
    leading = false;
    store<u8>(DIG + <usize>nd, <u8>c);
    nd++;
    if (!seenPoint) dp++;
  }
  dp += exp;
  while (nd > 0 && load<u8>(DIG + <usize>(nd - 1)) == 48) nd--;
}

/** Exact decimal expansion of |f| (f finite, non-zero). */
function exact(f: f64): void {
  BIG = lib_alloc(<usize>CAP);
  const bits = reinterpret<u64>(f);
  let e2 = <i32>((bits >> 52) & 0x7ff);
  let mant = bits & 0xfffffffffffff;
  if (e2 == 0) e2 = 1;
  else mant |= <u64>1 << 52;
  e2 -= 1075;
  // BIG = mant (little-endian decimal)
  let len = 0;
  while (mant > 0) {
    store<u8>(BIG + <usize>len, <u8>(mant % 10));
    mant /= 10;
    len++;
  }
  let mul = 2;
  let times = e2;
  if (e2 < 0) {
    mul = 5;
    times = -e2;
  }
  for (let t = 0; t < times; t++) {
    let carry = 0;
    for (let i = 0; i < len; i++) {
      const v = <i32>load<u8>(BIG + <usize>i) * mul + carry;
      store<u8>(BIG + <usize>i, <u8>(v % 10));
      carry = v / 10;
    }
    while (carry > 0 && len < CAP) {
      store<u8>(BIG + <usize>len, <u8>(carry % 10));
      carry /= 10;
      len++;
    }
  }
  nd = len;
  for (let i = 0; i < len; i++) store<u8>(DIG + <usize>i, <u8>(48 + load<u8>(BIG + <usize>(len - 1 - i))));
  dp = e2 < 0 ? len - times : len;
  while (nd > 0 && load<u8>(DIG + <usize>(nd - 1)) == 48) nd--;
}

function digit(i: i32): i32 {
  return i < nd ? <i32>load<u8>(DIG + <usize>i) : 48;
}

/** Rounds to `keep` significant digits, half to even (Go's decimal.Round). */
function round(keep: i32): void {
  if (keep >= nd) return;
  if (keep < 0) {
    nd = 0;
    return;
  }
  let up = false;
  const d = digit(keep);
  if (d == 53 && keep + 1 == nd) up = keep > 0 && (digit(keep - 1) - 48) % 2 == 1;
  else up = d >= 53;
  nd = keep;
  if (!up) {
    while (nd > 0 && load<u8>(DIG + <usize>(nd - 1)) == 48) nd--;
    return;
  }
  let i = nd - 1;
  while (i >= 0 && load<u8>(DIG + <usize>i) == 57) i--;
  if (i < 0) {
    store<u8>(DIG, 49);
    nd = 1;
    dp++;
    return;
  }
  store<u8>(DIG + <usize>i, load<u8>(DIG + <usize>i) + 1);
  nd = i + 1;
}

function fmt_e(prec: i32, upper: bool): void {
  buf_byte(nd == 0 ? 48 : digit(0));
  if (prec > 0) {
    buf_byte(46);
    for (let i = 1; i <= prec; i++) buf_byte(digit(i));
  }
  buf_byte(upper ? 69 : 101);
  let exp = nd == 0 ? 0 : dp - 1;
  if (exp < 0) { buf_byte(45); exp = -exp; } else buf_byte(43);
  if (exp < 10) { buf_byte(48); buf_byte(48 + exp); }
  else if (exp < 100) { buf_byte(48 + exp / 10); buf_byte(48 + exp % 10); }
  else { buf_byte(48 + exp / 100); buf_byte(48 + (exp / 10) % 10); buf_byte(48 + exp % 10); }
}

function fmt_f(prec: i32): void {
  if (dp > 0) for (let i = 0; i < dp; i++) buf_byte(digit(i));
  else buf_byte(48);
  if (prec > 0) {
    buf_byte(46);
    for (let i = 0; i < prec; i++) {
      const j = dp + i;
      buf_byte(j < 0 ? 48 : digit(j));
    }
  }
}

/**
 * Appends |f| formatted like strconv.FormatFloat(f, verb, prec, 64) (verb 'e','E','f','g','G';
 * prec -1 = shortest) to the active buffer, with a leading '-' for negatives. f must be finite.
 */
export function format_float(f: f64, verb: i32, prec: i32): void {
  DIG = lib_alloc(<usize>CAP);
  if (f < 0 || (f == 0 && 1 / f < 0)) buf_byte(45);
  const shortestMode = prec < 0;
  if (f == 0) {
    nd = 0;
    dp = 0;
  } else if (shortestMode) shortest(f);
  else exact(f);
  const lower = verb | 32;
  if (lower == 101) {
    if (shortestMode) prec = nd > 0 ? nd - 1 : 0;
    else round(prec + 1);
    fmt_e(prec, verb == 69);
    return;
  }
  if (lower == 102) {
    if (shortestMode) prec = nd - dp > 0 ? nd - dp : 0;
    else round(dp + prec);
    fmt_f(prec);
    return;
  }
  // 'g': strconv's choice between %e and %f.
  let p = shortestMode ? nd : (prec == 0 ? 1 : prec);
  if (!shortestMode) round(p);
  let eprec = p;
  if (eprec > nd && nd >= dp) eprec = nd;
  if (shortestMode) eprec = 6;
  const exp = dp - 1;
  if (exp < -4 || exp >= eprec) {
    if (p > nd) p = nd;
    fmt_e(p > 0 ? p - 1 : 0, verb == 71);
    return;
  }
  if (p > dp) p = nd;
  fmt_f(p - dp > 0 ? p - dp : 0);
}
