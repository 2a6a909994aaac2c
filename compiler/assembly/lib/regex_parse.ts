// Parser for Go RE2 regular-expression syntax (what OPA's regex builtins use) into an AST held in
// scratch memory. Node layout (24 bytes): kind, x, y, left, right, flags.
import { lib_alloc } from './alloc';
import { decode_rune, rune_width } from './utf8';
import { rc_begin, rc_add, rc_add_perl, rc_add_posix, rc_add_unicode, rc_count } from './regex_class';
import { UNI_MAX_PAIRS } from './unitables';

export const N_EMPTY = 0;
export const N_LIT = 1; // x = rune, flags & F_FOLD
export const N_ANY = 2; // flags & F_DOTNL
export const N_CLASS = 3; // x = ranges ptr, y = count, flags: 1 negate, 2 fold
export const N_CAT = 4; // left = item, right = next CAT or 0
export const N_ALT = 5; // left, right
export const N_REPEAT = 6; // left = sub, x = min, y = max (-1 = inf), flags & 1 = greedy
export const N_GROUP = 7; // left = sub, x = capture index (-1 = none)
export const N_ASSERT = 8; // x = assertion kind

export const A_BOT = 1;
export const A_EOT = 2;
export const A_BOL = 3;
export const A_EOL = 4;
export const A_WORDB = 5;
export const A_NWORDB = 6;

const F_FOLD: i32 = 1;
const F_DOTNL: i32 = 2;
const F_MULTI: i32 = 4;
const F_UNGREEDY: i32 = 8;

// Error codes (0 = ok); the builtins layer maps these to messages.
export const E_MISSING_PAREN = 1;
export const E_UNEXPECTED_PAREN = 2;
export const E_MISSING_BRACKET = 3;
export const E_BAD_ESCAPE = 4;
export const E_MISSING_REPEAT_ARG = 5;
export const E_NESTED_REPEAT = 6;
export const E_BAD_REPEAT_SIZE = 7;
export const E_BAD_CLASS_RANGE = 8;
export const E_BAD_PERL_OP = 9;
export const E_BAD_NAMED_CAPTURE = 10;
export const E_TOO_BIG = 11;
export const E_BAD_UTF8 = 12;

export let re_error: i32 = 0;
export let re_ncap: i32 = 0; // capture groups including group 0
/** Array of (namePtr, nameLen) i32 pairs indexed by capture group; len 0 = unnamed. */
export let re_names: usize = 0;

let src: usize = 0;
let end: usize = 0;
let pos: usize = 0;
let flags: i32 = 0;

function node(kind: i32, x: i32, y: i32, left: usize, right: usize, fl: i32): usize {
  const n = lib_alloc(24);
  store<i32>(n, kind);
  store<i32>(n, x, 4);
  store<i32>(n, y, 8);
  store<i32>(n, <i32>left, 12);
  store<i32>(n, <i32>right, 16);
  store<i32>(n, fl, 20);
  return n;
}

function peek(): i32 {
  return pos < end ? <i32>load<u8>(pos) : -1;
}

function fail(code: i32): usize {
  if (re_error == 0) re_error = code;
  return 0;
}

/** Parses the pattern; returns the root node, or 0 with re_error set. */
export function re_parse(p: usize, len: usize): usize {
  src = p;
  end = p + len;
  pos = p;
  flags = 0;
  re_error = 0;
  re_ncap = 1;
  // Upper bound of groups: number of '(' + 1.
  let parens = 1;
  for (let i: usize = 0; i < len; i++) if (load<u8>(p + i) == 0x28) parens++;
  re_names = lib_alloc(<usize>parens << 3);
  // Class ranges: at most 13 per pattern byte, plus a whole Unicode table (or its complement) per \p / \P.
  let tables: usize = 0;
  for (let i: usize = 0; i + 1 < len; i++) if (load<u8>(p + i) == 0x5c && (load<u8>(p + i + 1) | 0x20) == 0x70) tables++;
  tmp_area = lib_alloc((len + 8) * 8 * 13 + tables * <usize>(UNI_MAX_PAIRS + 1) * 8);
  memory.fill(re_names, 0, <usize>parens << 3);
  // Reject invalid UTF-8 in the pattern, as Go does.
  let q = p;
  while (q < end) {
    const r = decode_rune(q, end);
    if (r == 0xfffd && rune_width == 1 && load<u8>(q) != 0xef) return fail(E_BAD_UTF8);
    q += <usize>rune_width;
  }
  const root = parse_alt();
  if (re_error != 0) return 0;
  if (pos < end) return fail(E_UNEXPECTED_PAREN);
  return root;
}

function parse_alt(): usize {
  let left = parse_concat();
  if (re_error != 0) return 0;
  while (peek() == 0x7c) {
    pos++;
    const right = parse_concat();
    if (re_error != 0) return 0;
    left = node(N_ALT, 0, 0, left, right, 0);
  }
  return left;
}

function parse_concat(): usize {
  let head: usize = 0;
  let tail: usize = 0;
  while (pos < end) {
    const c = peek();
    if (c == 0x7c || c == 0x29) break;
    if (c == 0x2a || c == 0x2b || c == 0x3f) return fail(E_MISSING_REPEAT_ARG);
    if (c == 0x7b && is_repeat_brace()) return fail(E_MISSING_REPEAT_ARG);
    // Flag-only group (?i) changes flags for the rest of the enclosing group.
    if (c == 0x28 && flag_group_only()) {
      if (re_error != 0) return 0;
      continue;
    }
    let atom = parse_atom();
    if (re_error != 0) return 0;
    atom = parse_repeats(atom);
    if (re_error != 0) return 0;
    const cell = node(N_CAT, 0, 0, atom, 0, 0);
    if (head == 0) head = cell;
    else store<i32>(tail, <i32>cell, 16);
    tail = cell;
  }
  if (head == 0) return node(N_EMPTY, 0, 0, 0, 0, 0);
  return head;
}

/** At '(': if this is "(?flags)" consume it, apply the flags and return true. */
function flag_group_only(): bool {
  if (pos + 2 >= end || load<u8>(pos + 1) != 0x3f) return false;
  let q = pos + 2;
  while (q < end) {
    const c = load<u8>(q);
    if (c == 0x29) break;
    if (c == 0x3a) return false;
    if (c != 0x69 && c != 0x6d && c != 0x73 && c != 0x55 && c != 0x2d) return false;
    q++;
  }
  if (q >= end) return false;
  const f = parse_flags(pos + 2, q);
  if (f < 0) {
    fail(E_BAD_PERL_OP);
    return true;
  }
  flags = f;
  pos = q + 1;
  return true;
}

/** Applies flag letters in [a, b) to the current flags; -1 if malformed. */
function parse_flags(a: usize, b: usize): i32 {
  let f = flags;
  let neg = false;
  let sawNeg = false;
  let any = false;
  for (let q = a; q < b; q++) {
    const c = load<u8>(q);
    let bit = 0;
    if (c == 0x69) bit = F_FOLD;
    else if (c == 0x6d) bit = F_MULTI;
    else if (c == 0x73) bit = F_DOTNL;
    else if (c == 0x55) bit = F_UNGREEDY;
    else if (c == 0x2d) {
      if (sawNeg) return -1;
      sawNeg = true;
      neg = true;
      any = false;
      continue;
    } else return -1;
    any = true;
    f = neg ? f & ~bit : f | bit;
  }
  if (sawNeg && !any) return -1;
  if (a == b) return -1;
  return f;
}

function is_repeat_brace(): bool {
  // {n}, {n,}, {n,m}
  let q = pos + 1;
  let digits = 0;
  while (q < end && load<u8>(q) >= 0x30 && load<u8>(q) <= 0x39) {
    q++;
    digits++;
  }
  if (digits == 0 || q >= end) return false;
  if (load<u8>(q) == 0x7d) return true;
  if (load<u8>(q) != 0x2c) return false;
  q++;
  while (q < end && load<u8>(q) >= 0x30 && load<u8>(q) <= 0x39) q++;
  return q < end && load<u8>(q) == 0x7d;
}

function read_int(): i32 {
  let v = 0;
  while (pos < end && load<u8>(pos) >= 0x30 && load<u8>(pos) <= 0x39) {
    if (v < 100000) v = v * 10 + <i32>(load<u8>(pos) - 0x30);
    pos++;
  }
  return v;
}

function parse_repeats(atom: usize): usize {
  let repeated = false;
  while (pos < end) {
    const c = peek();
    let min = 0;
    let max = -1;
    if (c == 0x2a) {
      pos++;
    } else if (c == 0x2b) {
      min = 1;
      pos++;
    } else if (c == 0x3f) {
      max = 1;
      pos++;
    } else if (c == 0x7b && is_repeat_brace()) {
      pos++;
      min = read_int();
      max = min;
      if (peek() == 0x2c) {
        pos++;
        max = peek() == 0x7d ? -1 : read_int();
      }
      pos++; // '}'
      if (min > 1000 || max > 1000 || (max >= 0 && max < min)) return fail(E_BAD_REPEAT_SIZE);
    } else break;
    if (repeated) return fail(E_NESTED_REPEAT);
    repeated = true;
    let greedy = (flags & F_UNGREEDY) == 0;
    if (peek() == 0x3f) {
      pos++;
      greedy = !greedy;
    }
    atom = node(N_REPEAT, min, max, atom, 0, greedy ? 1 : 0);
  }
  return atom;
}

function parse_atom(): usize {
  const c = peek();
  if (c == 0x28) return parse_group();
  if (c == 0x5b) return parse_class();
  if (c == 0x2e) {
    pos++;
    return node(N_ANY, 0, 0, 0, 0, flags);
  }
  if (c == 0x5e) {
    pos++;
    return node(N_ASSERT, (flags & F_MULTI) != 0 ? A_BOL : A_BOT, 0, 0, 0, 0);
  }
  if (c == 0x24) {
    pos++;
    return node(N_ASSERT, (flags & F_MULTI) != 0 ? A_EOL : A_EOT, 0, 0, 0, 0);
  }
  if (c == 0x5c) return parse_escape_atom();
  const r = decode_rune(pos, end);
  pos += <usize>rune_width;
  return lit(r);
}

function lit(r: i32): usize {
  return node(N_LIT, r, 0, 0, 0, flags & F_FOLD);
}

function parse_group(): usize {
  pos++; // '('
  const saved = flags;
  let cap = -1;
  if (peek() == 0x3f) {
    // (?P<name>  (?<name>  (?flags:  
    let q = pos + 1;
    if (q < end && load<u8>(q) == 0x50) q++;
    if (q < end && load<u8>(q) == 0x3c) {
      const nameStart = q + 1;
      let e = nameStart;
      while (e < end && load<u8>(e) != 0x3e) {
        const ch = load<u8>(e);
        const ok = (ch >= 0x30 && ch <= 0x39) || (ch >= 0x41 && ch <= 0x5a) || (ch >= 0x61 && ch <= 0x7a) || ch == 0x5f;
        if (!ok) return fail(E_BAD_NAMED_CAPTURE);
        e++;
      }
      if (e >= end || e == nameStart) return fail(E_BAD_NAMED_CAPTURE);
      cap = re_ncap++;
      store<i32>(re_names + (<usize>cap << 3), <i32>nameStart);
      store<i32>(re_names + (<usize>cap << 3), <i32>(e - nameStart), 4);
      pos = e + 1;
    } else {
      let e = pos + 1;
      while (e < end && load<u8>(e) != 0x3a && load<u8>(e) != 0x29) e++;
      if (e >= end || load<u8>(e) != 0x3a) return fail(E_BAD_PERL_OP);
      if (e > pos + 1) {
        const f = parse_flags(pos + 1, e);
        if (f < 0) return fail(E_BAD_PERL_OP);
        flags = f;
      }
      pos = e + 1;
    }
  } else {
    cap = re_ncap++;
  }
  const sub = parse_alt();
  if (re_error != 0) return 0;
  if (peek() != 0x29) return fail(E_MISSING_PAREN);
  pos++;
  flags = saved;
  return node(N_GROUP, cap, 0, sub, 0, 0);
}

function hexval(c: i32): i32 {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

// Result of parse_escape_rune when the escape is a class (\d, \pL, ...): ranges were added.
const ESC_CLASS: i32 = -2;
const ESC_ERROR: i32 = -3;

/** After '\': parses a rune escape, or a class escape into the open range set. */
function parse_escape_rune(inClass: bool): i32 {
  pos++; // '\'
  if (pos >= end) return ESC_ERROR;
  const c = <i32>load<u8>(pos);
  pos++;
  if (c == 0x64 || c == 0x44 || c == 0x77 || c == 0x57 || c == 0x73 || c == 0x53) {
    rc_add_perl(c);
    return ESC_CLASS;
  }
  if (c == 0x70 || c == 0x50) {
    const neg = c == 0x50;
    let a = pos;
    let b = pos + 1;
    if (pos >= end) return ESC_ERROR;
    if (load<u8>(pos) == 0x7b) {
      a = pos + 1;
      b = a;
      while (b < end && load<u8>(b) != 0x7d) b++;
      if (b >= end) return ESC_ERROR;
      pos = b + 1;
    } else pos = b;
    let n = b - a;
    let negate = neg;
    if (n > 0 && load<u8>(a) == 0x5e) {
      a++;
      n--;
      negate = !negate;
    }
    return rc_add_unicode(a, n, negate) ? ESC_CLASS : ESC_ERROR;
  }
  if (c >= 0x31 && c <= 0x37) {
    // \1-\7: backreference (unsupported) unless followed by another octal digit.
    if (pos >= end || load<u8>(pos) < 0x30 || load<u8>(pos) > 0x37) return ESC_ERROR;
  }
  if (c >= 0x30 && c <= 0x37) {
    let v = c - 0x30;
    for (let i = 0; i < 2 && pos < end && load<u8>(pos) >= 0x30 && load<u8>(pos) <= 0x37; i++) {
      v = v * 8 + <i32>(load<u8>(pos) - 0x30);
      pos++;
    }
    return v;
  }
  if (c == 0x78) {
    if (pos >= end) return ESC_ERROR;
    if (load<u8>(pos) == 0x7b) {
      pos++;
      let v = 0;
      let digits = 0;
      while (pos < end && load<u8>(pos) != 0x7d) {
        const h = hexval(load<u8>(pos));
        if (h < 0) return ESC_ERROR;
        v = v * 16 + h;
        if (v > 0x10ffff) return ESC_ERROR;
        digits++;
        pos++;
      }
      if (pos >= end || digits == 0) return ESC_ERROR;
      pos++;
      return v;
    }
    if (pos + 1 >= end) return ESC_ERROR;
    const h1 = hexval(load<u8>(pos));
    const h2 = hexval(load<u8>(pos + 1));
    if (h1 < 0 || h2 < 0) return ESC_ERROR;
    pos += 2;
    return h1 * 16 + h2;
  }
  if (c == 0x61) return 7;
  if (c == 0x66) return 12;
  if (c == 0x74) return 9;
  if (c == 0x6e) return 10;
  if (c == 0x72) return 13;
  if (c == 0x76) return 11;
  if (c < 0x80 && !((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a))) return c;
  return ESC_ERROR;
}

// Ranges of the class being parsed are collected in one shared scratch area (each pattern byte
// adds at most 13 ranges), then copied to an exact-size block.
let tmp_area: usize = 0;

function class_area(): usize {
  return tmp_area;
}

function class_node(fl: i32): usize {
  const n = <usize>rc_count << 3;
  const p = lib_alloc(n + 8);
  memory.copy(p, tmp_area, n);
  return node(N_CLASS, <i32>p, rc_count, 0, 0, fl);
}

function parse_escape_atom(): usize {
  if (pos + 1 < end) {
    const c = load<u8>(pos + 1);
    if (c == 0x41) { pos += 2; return node(N_ASSERT, A_BOT, 0, 0, 0, 0); }
    if (c == 0x7a) { pos += 2; return node(N_ASSERT, A_EOT, 0, 0, 0, 0); }
    if (c == 0x62) { pos += 2; return node(N_ASSERT, A_WORDB, 0, 0, 0, 0); }
    if (c == 0x42) { pos += 2; return node(N_ASSERT, A_NWORDB, 0, 0, 0, 0); }
    if (c == 0x51) {
      // \Q...\E literal text
      pos += 2;
      let head: usize = 0;
      let tail: usize = 0;
      while (pos < end) {
        if (load<u8>(pos) == 0x5c && pos + 1 < end && load<u8>(pos + 1) == 0x45) {
          pos += 2;
          break;
        }
        const r = decode_rune(pos, end);
        pos += <usize>rune_width;
        const cell = node(N_CAT, 0, 0, lit(r), 0, 0);
        if (head == 0) head = cell;
        else store<i32>(tail, <i32>cell, 16);
        tail = cell;
      }
      return head == 0 ? node(N_EMPTY, 0, 0, 0, 0, 0) : node(N_GROUP, -1, 0, head, 0, 0);
    }
  }
  const area = class_area();
  rc_begin(area);
  const r = parse_escape_rune(false);
  if (r == ESC_ERROR) return fail(E_BAD_ESCAPE);
  if (r == ESC_CLASS) return class_node((flags & F_FOLD) != 0 ? 2 : 0);
  return lit(r);
}

function parse_class(): usize {
  pos++; // '['
  const area = class_area();
  rc_begin(area);
  let negate = false;
  if (peek() == 0x5e) {
    negate = true;
    pos++;
  }
  let first = true;
  while (true) {
    if (pos >= end) return fail(E_MISSING_BRACKET);
    const c = peek();
    if (c == 0x5d && !first) {
      pos++;
      break;
    }
    first = false;
    // [:alpha:]
    if (c == 0x5b && pos + 1 < end && load<u8>(pos + 1) == 0x3a) {
      let e = pos + 2;
      while (e + 1 < end && !(load<u8>(e) == 0x3a && load<u8>(e + 1) == 0x5d)) e++;
      if (e + 1 < end) {
        let a = pos + 2;
        let neg = false;
        if (a < e && load<u8>(a) == 0x5e) {
          neg = true;
          a++;
        }
        if (!rc_add_posix(a, e - a, neg)) return fail(E_BAD_CLASS_RANGE);
        pos = e + 2;
        continue;
      }
    }
    let lo: i32;
    if (c == 0x5c) {
      lo = parse_escape_rune(true);
      if (lo == ESC_ERROR) return fail(E_BAD_ESCAPE);
      if (lo == ESC_CLASS) continue;
    } else {
      lo = decode_rune(pos, end);
      pos += <usize>rune_width;
    }
    let hi = lo;
    if (peek() == 0x2d && pos + 1 < end && load<u8>(pos + 1) != 0x5d) {
      pos++;
      if (peek() == 0x5c) {
        hi = parse_escape_rune(true);
        if (hi < 0) return fail(E_BAD_ESCAPE);
      } else {
        hi = decode_rune(pos, end);
        pos += <usize>rune_width;
      }
      if (hi < lo) return fail(E_BAD_CLASS_RANGE);
    }
    rc_add(lo, hi);
  }
  let fl = negate ? 1 : 0;
  if ((flags & F_FOLD) != 0) fl |= 2;
  // Without (?s), a negated class in Go still matches \n; nothing special to do here.
  return class_node(fl);
}
