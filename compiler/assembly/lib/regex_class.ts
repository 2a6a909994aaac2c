// Character-class range sets for the regex engine: building [lo, hi] i32 pairs for Perl, POSIX and a
// few Unicode classes, and matching a rune against a set (with optional negation and case folding).
import { to_lower, to_upper } from './utf8';

// Ranges are appended to a caller-provided area; `rc_count` tracks how many pairs it holds.
export let rc_base: usize = 0;
export let rc_count: i32 = 0;

export function rc_begin(area: usize): void {
  rc_base = area;
  rc_count = 0;
}

export function rc_add(lo: i32, hi: i32): void {
  const p = rc_base + (<usize>rc_count << 3);
  store<i32>(p, lo);
  store<i32>(p, hi, 4);
  rc_count++;
}

// Adds [lo,hi] pairs from a static table of `n` pairs, either as given or complemented.
function add_table(t: usize, n: i32, negate: bool): void {
  if (!negate) {
    for (let i = 0; i < n; i++) rc_add(load<i32>(t + (<usize>i << 3)), load<i32>(t + (<usize>i << 3), 4));
    return;
  }
  let next = 0;
  for (let i = 0; i < n; i++) {
    const lo = load<i32>(t + (<usize>i << 3));
    const hi = load<i32>(t + (<usize>i << 3), 4);
    if (lo > next) rc_add(next, lo - 1);
    next = hi + 1;
  }
  if (next <= 0x10ffff) rc_add(next, 0x10ffff);
}

const DIGIT = memory.data<i32>([0x30, 0x39]);
const WORD = memory.data<i32>([0x30, 0x39, 0x41, 0x5a, 0x5f, 0x5f, 0x61, 0x7a]);
const SPACE = memory.data<i32>([0x09, 0x0a, 0x0c, 0x0d, 0x20, 0x20]);
// POSIX classes (ASCII), in Go's order of definition.
const ALNUM = memory.data<i32>([0x30, 0x39, 0x41, 0x5a, 0x61, 0x7a]);
const ALPHA = memory.data<i32>([0x41, 0x5a, 0x61, 0x7a]);
const ASCII = memory.data<i32>([0x00, 0x7f]);
const BLANK = memory.data<i32>([0x09, 0x09, 0x20, 0x20]);
const CNTRL = memory.data<i32>([0x00, 0x1f, 0x7f, 0x7f]);
const GRAPH = memory.data<i32>([0x21, 0x7e]);
const LOWER = memory.data<i32>([0x61, 0x7a]);
const PRINT = memory.data<i32>([0x20, 0x7e]);
const PUNCT = memory.data<i32>([0x21, 0x2f, 0x3a, 0x40, 0x5b, 0x60, 0x7b, 0x7e]);
const PSPACE = memory.data<i32>([0x09, 0x0d, 0x20, 0x20]);
const UPPER = memory.data<i32>([0x41, 0x5a]);
const XDIGIT = memory.data<i32>([0x30, 0x39, 0x41, 0x46, 0x61, 0x66]);
// Coarse Unicode classes (main blocks only).
const U_LETTER = memory.data<i32>([0x41, 0x5a, 0x61, 0x7a, 0xaa, 0xaa, 0xb5, 0xb5, 0xba, 0xba, 0xc0, 0xd6, 0xd8, 0xf6,
  0xf8, 0x2c1, 0x370, 0x373, 0x376, 0x377, 0x37b, 0x37d, 0x386, 0x386, 0x388, 0x3ff, 0x400, 0x481, 0x48a, 0x52f,
  0x531, 0x556, 0x561, 0x587, 0x5d0, 0x5ea, 0x620, 0x64a, 0x3041, 0x3096, 0x30a1, 0x30fa, 0x4e00, 0x9fff, 0xac00, 0xd7a3]);
const U_UPPER = memory.data<i32>([0x41, 0x5a, 0xc0, 0xd6, 0xd8, 0xde, 0x391, 0x3a9, 0x400, 0x42f]);
const U_LOWER = memory.data<i32>([0x61, 0x7a, 0xb5, 0xb5, 0xdf, 0xf6, 0xf8, 0xff, 0x3ac, 0x3ce, 0x430, 0x45f]);
const U_DIGIT = memory.data<i32>([0x30, 0x39, 0x660, 0x669, 0x6f0, 0x6f9, 0x966, 0x96f, 0xff10, 0xff19]);
const U_GREEK = memory.data<i32>([0x370, 0x373, 0x375, 0x377, 0x37a, 0x37d, 0x37f, 0x37f, 0x384, 0x384, 0x386, 0x386, 0x388, 0x3e1, 0x3f0, 0x3ff, 0x1f00, 0x1ffe]);
const U_CYRILLIC = memory.data<i32>([0x400, 0x484, 0x487, 0x52f]);
const U_HAN = memory.data<i32>([0x2e80, 0x2fd5, 0x3005, 0x3007, 0x3021, 0x3029, 0x3400, 0x4dbf, 0x4e00, 0x9fff, 0xf900, 0xfad9, 0x20000, 0x2fa1d]);
const U_LATIN = memory.data<i32>([0x41, 0x5a, 0x61, 0x7a, 0xaa, 0xaa, 0xba, 0xba, 0xc0, 0xd6, 0xd8, 0xf6, 0xf8, 0x2b8, 0x1e00, 0x1eff]);

/** Perl class by letter d/w/s (lowercase); negated for D/W/S. */
export function rc_add_perl(c: i32): bool {
  const neg = c < 0x61;
  const l = c | 0x20;
  if (l == 0x64) add_table(DIGIT, 1, neg);
  else if (l == 0x77) add_table(WORD, 4, neg);
  else if (l == 0x73) add_table(SPACE, 3, neg);
  else return false;
  return true;
}

function name_is(p: usize, n: usize, lit: string): bool {
  if (<usize>lit.length != n) return false;
  for (let i: usize = 0; i < n; i++) if (<i32>load<u8>(p + i) != lit.charCodeAt(<i32>i)) return false;
  return true;
}

/** POSIX class name in [p, p+n) such as "alpha"; false if unknown. */
export function rc_add_posix(p: usize, n: usize, neg: bool): bool {
  if (name_is(p, n, 'alnum')) add_table(ALNUM, 3, neg);
  else if (name_is(p, n, 'alpha')) add_table(ALPHA, 2, neg);
  else if (name_is(p, n, 'ascii')) add_table(ASCII, 1, neg);
  else if (name_is(p, n, 'blank')) add_table(BLANK, 2, neg);
  else if (name_is(p, n, 'cntrl')) add_table(CNTRL, 2, neg);
  else if (name_is(p, n, 'digit')) add_table(DIGIT, 1, neg);
  else if (name_is(p, n, 'graph')) add_table(GRAPH, 1, neg);
  else if (name_is(p, n, 'lower')) add_table(LOWER, 1, neg);
  else if (name_is(p, n, 'print')) add_table(PRINT, 1, neg);
  else if (name_is(p, n, 'punct')) add_table(PUNCT, 4, neg);
  else if (name_is(p, n, 'space')) add_table(PSPACE, 2, neg);
  else if (name_is(p, n, 'upper')) add_table(UPPER, 1, neg);
  else if (name_is(p, n, 'word')) add_table(WORD, 4, neg);
  else if (name_is(p, n, 'xdigit')) add_table(XDIGIT, 3, neg);
  else return false;
  return true;
}

/** Unicode class name (\pL, \p{Greek}, ...); coarse block-based approximation. */
export function rc_add_unicode(p: usize, n: usize, neg: bool): bool {
  if (name_is(p, n, 'L')) add_table(U_LETTER, 23, neg);
  else if (name_is(p, n, 'Lu')) add_table(U_UPPER, 5, neg);
  else if (name_is(p, n, 'Ll')) add_table(U_LOWER, 6, neg);
  else if (name_is(p, n, 'N') || name_is(p, n, 'Nd')) add_table(U_DIGIT, 5, neg);
  else if (name_is(p, n, 'Greek')) add_table(U_GREEK, 9, neg);
  else if (name_is(p, n, 'Cyrillic')) add_table(U_CYRILLIC, 2, neg);
  else if (name_is(p, n, 'Han')) add_table(U_HAN, 7, neg);
  else if (name_is(p, n, 'Latin')) add_table(U_LATIN, 8, neg);
  else if (name_is(p, n, 'Any')) add_table(ASCII, 0, !neg);
  else return false;
  return true;
}

function in_ranges(ranges: usize, n: i32, r: i32): bool {
  for (let i = 0; i < n; i++) {
    const p = ranges + (<usize>i << 3);
    if (r >= load<i32>(p) && r <= load<i32>(p, 4)) return true;
  }
  return false;
}

/** flags: 1 = negated, 2 = case-insensitive. */
export function rc_match(ranges: usize, n: i32, flags: i32, r: i32): bool {
  let hit = in_ranges(ranges, n, r);
  if (!hit && (flags & 2) != 0) {
    const lo = to_lower(r);
    const up = to_upper(r);
    hit = (lo != r && in_ranges(ranges, n, lo)) || (up != r && in_ranges(ranges, n, up));
  }
  return (flags & 1) != 0 ? !hit : hit;
}
