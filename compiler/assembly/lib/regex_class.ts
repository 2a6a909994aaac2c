// Character-class range sets for the regex engine: building [lo, hi] i32 pairs for Perl, POSIX and
// Unicode classes (Go's categories and scripts: ./unitables.ts), and matching a rune against a set
// (with optional negation and case folding).
import { to_lower, to_upper } from './utf8';
import { UNI_TABLES, UNI_INDEX, UNI_NAMES, UNI_DATA } from './unitables';

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

// Varint reader over the generated tables (./unitables.ts).
let vp: usize = 0;
function varint(): i32 {
  let v = 0;
  let shift = 0;
  let b = 0x80;
  while ((b & 0x80) != 0) {
    b = <i32>load<u8>(vp++);
    v |= (b & 0x7f) << shift;
    shift += 7;
  }
  return v;
}

/** Index of the generated table named [p, p+n), or -1. */
function uni_table(p: usize, n: usize): i32 {
  for (let i = 0; i < UNI_TABLES; i++) {
    const at = UNI_INDEX + (<usize>i * 12);
    if (<usize>load<u32>(at, 4) != n) continue;
    const name = UNI_NAMES + <usize>load<u32>(at);
    let same = true;
    for (let j: usize = 0; j < n; j++) {
      if (load<u8>(name + j) != load<u8>(p + j)) {
        same = false;
        break;
      }
    }
    if (same) return i;
  }
  return -1;
}

/**
 * Unicode class name (\pL, \p{Greek}, \p{Lu}, …): Go's general categories and scripts, from the
 * generated tables (sorted, disjoint ranges), as given or complemented; "Any" is every code point.
 */
export function rc_add_unicode(p: usize, n: usize, neg: bool): bool {
  if (name_is(p, n, 'Any')) {
    add_table(ASCII, 0, !neg);
    return true;
  }
  const t = uni_table(p, n);
  if (t < 0) return false;
  vp = UNI_DATA + <usize>load<u32>(UNI_INDEX + (<usize>t * 12), 8);
  const count = varint();
  let prev = -1;
  let next = 0;
  for (let i = 0; i < count; i++) {
    const lo = prev + 1 + varint();
    const hi = lo + varint();
    prev = hi;
    if (!neg) rc_add(lo, hi);
    else {
      if (lo > next) rc_add(next, lo - 1);
      next = hi + 1;
    }
  }
  if (neg && next <= 0x10ffff) rc_add(next, 0x10ffff);
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
