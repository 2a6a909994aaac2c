// Semantic Versioning 2.0.0: validation and precedence over UTF-8 byte buffers.
// MAJOR.MINOR.PATCH are decimal digits without leading zeros; an optional -prerelease and
// +build part hold dot-separated non-empty [0-9A-Za-z-] identifiers; numeric prerelease
// identifiers have no leading zeros. Build metadata does not affect precedence.

function is_digit(c: i32): bool {
  return c >= 0x30 && c <= 0x39;
}

function is_ident_char(c: i32): bool {
  return is_digit(c) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x2d;
}

// Parse state: end offsets of the core and prerelease parts (relative to the start).
let core_end: usize = 0;
let pre_end: usize = 0;

/** Checks one numeric core component [s, e). */
function numeric_ok(p: usize, s: usize, e: usize): bool {
  if (e == s) return false;
  for (let i = s; i < e; i++) if (!is_digit(load<u8>(p + i))) return false;
  return !(e - s > 1 && load<u8>(p + s) == 0x30);
}

/** Checks dot-separated identifiers in [s, e); numeric ones may not have leading zeros if strict. */
function idents_ok(p: usize, s: usize, e: usize, strictNumeric: bool): bool {
  if (s == e) return false;
  let start = s;
  for (let i = s; i <= e; i++) {
    if (i == e || load<u8>(p + i) == 0x2e) {
      if (i == start) return false;
      let allDigits = true;
      for (let j = start; j < i; j++) {
        const c = <i32>load<u8>(p + j);
        if (!is_ident_char(c)) return false;
        if (!is_digit(c)) allDigits = false;
      }
      if (strictNumeric && allDigits && i - start > 1 && load<u8>(p + start) == 0x30) return false;
      start = i + 1;
    }
  }
  return true;
}

export function semver_is_valid(p: usize, len: usize): bool {
  // core: N.N.N
  let dots = 0;
  let compStart: usize = 0;
  let i: usize = 0;
  for (; i < len; i++) {
    const c = load<u8>(p + i);
    if (c == 0x2e) {
      if (!numeric_ok(p, compStart, i)) return false;
      dots++;
      if (dots > 2) return false;
      compStart = i + 1;
    } else if (c == 0x2d || c == 0x2b) {
      break;
    } else if (!is_digit(c)) {
      return false;
    }
  }
  if (dots != 2 || !numeric_ok(p, compStart, i)) return false;
  core_end = i;
  pre_end = i;
  if (i < len && load<u8>(p + i) == 0x2d) {
    let j = i + 1;
    while (j < len && load<u8>(p + j) != 0x2b) j++;
    if (!idents_ok(p, i + 1, j, true)) return false;
    pre_end = j;
    i = j;
  }
  if (i < len) {
    // '+' build metadata
    if (!idents_ok(p, i + 1, len, false)) return false;
  }
  return true;
}

/** Compares decimal digit strings without leading zeros numerically. */
function cmp_num(a: usize, al: usize, b: usize, bl: usize): i32 {
  if (al != bl) return al < bl ? -1 : 1;
  for (let i: usize = 0; i < al; i++) {
    const x = load<u8>(a + i);
    const y = load<u8>(b + i);
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

function cmp_bytes(a: usize, al: usize, b: usize, bl: usize): i32 {
  const n = al < bl ? al : bl;
  for (let i: usize = 0; i < n; i++) {
    const x = load<u8>(a + i);
    const y = load<u8>(b + i);
    if (x != y) return x < y ? -1 : 1;
  }
  if (al == bl) return 0;
  return al < bl ? -1 : 1;
}

function all_digits(p: usize, l: usize): bool {
  for (let i: usize = 0; i < l; i++) if (!is_digit(load<u8>(p + i))) return false;
  return true;
}

/** Compares two valid versions: -1, 0 or 1. Returns 2 if either is invalid. */
export function semver_compare(a: usize, al: usize, b: usize, bl: usize): i32 {
  if (!semver_is_valid(a, al)) return 2;
  const aCore = core_end;
  const aPre = pre_end;
  if (!semver_is_valid(b, bl)) return 2;
  const bCore = core_end;
  const bPre = pre_end;
  // Core components.
  let ia: usize = 0;
  let ib: usize = 0;
  for (let k = 0; k < 3; k++) {
    let ea = ia;
    while (ea < aCore && load<u8>(a + ea) != 0x2e) ea++;
    let eb = ib;
    while (eb < bCore && load<u8>(b + eb) != 0x2e) eb++;
    const c = cmp_num(a + ia, ea - ia, b + ib, eb - ib);
    if (c != 0) return c;
    ia = ea + 1;
    ib = eb + 1;
  }
  const aHas = aPre > aCore;
  const bHas = bPre > bCore;
  if (!aHas && !bHas) return 0;
  if (!aHas) return 1;
  if (!bHas) return -1;
  ia = aCore + 1;
  ib = bCore + 1;
  while (true) {
    const aDone = ia > aPre;
    const bDone = ib > bPre;
    if (aDone && bDone) return 0;
    if (aDone) return -1;
    if (bDone) return 1;
    let ea = ia;
    while (ea < aPre && load<u8>(a + ea) != 0x2e) ea++;
    let eb = ib;
    while (eb < bPre && load<u8>(b + eb) != 0x2e) eb++;
    const an = all_digits(a + ia, ea - ia);
    const bn = all_digits(b + ib, eb - ib);
    let c: i32 = 0;
    if (an && bn) c = cmp_num(a + ia, ea - ia, b + ib, eb - ib);
    else if (an) c = -1;
    else if (bn) c = 1;
    else c = cmp_bytes(a + ia, ea - ia, b + ib, eb - ib);
    if (c != 0) return c;
    ia = ea + 1;
    ib = eb + 1;
  }
}
