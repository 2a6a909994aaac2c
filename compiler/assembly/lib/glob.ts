// Glob matching with gobwas/glob semantics (what OPA's glob.match uses): `*` any run of
// non-separator runes, `**` any run, `?` one non-separator rune, `[abc]` `[a-z]` `[!abc]` lists,
// `{a,b}` alternatives (nestable), `\` escapes. Failed (pattern, text) states are memoised, so
// matching is polynomial even for patterns like `*a*a*a*b`.
import { lib_alloc } from './alloc';
import { decode_rune, rune_width } from './utf8';

export const GLOB_BAD_PATTERN: i32 = -1;

let pat: usize = 0;
let plen: usize = 0;
let txt: usize = 0;
let tlen: usize = 0;
let seps: usize = 0; // i32 runes
let nseps: i32 = 0;
let jump: usize = 0; // per pattern byte: i32 continuation for ',' and '}' inside braces
let memo: usize = 0;

function is_sep(r: i32): bool {
  for (let i = 0; i < nseps; i++) if (load<i32>(seps + (<usize>i << 2)) == r) return true;
  return false;
}

/** Validates brace/bracket structure and fills `jump`; false if malformed. */
function prepare(): bool {
  jump = lib_alloc((plen + 1) << 2);
  memory.fill(jump, 0xff, (plen + 1) << 2);
  const stack = lib_alloc((plen + 1) << 2); // open-brace positions
  const commas = lib_alloc((plen + 1) << 2); // comma positions waiting for their '}'
  let depth = 0;
  let nc = 0;
  let i: usize = 0;
  while (i < plen) {
    const c = load<u8>(pat + i);
    if (c == 0x5c) {
      if (i + 1 >= plen) return false;
      i += 2;
      continue;
    }
    if (c == 0x5b) {
      let j = i + 1;
      while (j < plen && load<u8>(j + pat) != 0x5d) {
        if (load<u8>(pat + j) == 0x5c) j++;
        j++;
      }
      if (j >= plen) return false;
      i = j + 1;
      continue;
    }
    if (c == 0x7b) {
      store<i32>(stack + (<usize>depth << 2), <i32>i);
      depth++;
    } else if (c == 0x2c && depth > 0) {
      store<i32>(commas + (<usize>nc << 2), <i32>i);
      nc++;
    } else if (c == 0x7d) {
      if (depth == 0) return false;
      depth--;
      const open = load<i32>(stack + (<usize>depth << 2));
      // Commas after this brace's '{' belong to it: they continue after this '}'.
      while (nc > 0 && load<i32>(commas + (<usize>(nc - 1) << 2)) > open) {
        nc--;
        store<i32>(jump + (<usize>load<i32>(commas + (<usize>nc << 2)) << 2), <i32>i + 1);
      }
      store<i32>(jump + (i << 2), <i32>i + 1);
    }
    i++;
  }
  return depth == 0;
}

function failed(pi: usize, ti: usize): bool {
  const bit = pi * (tlen + 1) + ti;
  return (load<u8>(memo + (bit >> 3)) & <u8>(1 << <u8>(bit & 7))) != 0;
}

function mark(pi: usize, ti: usize): void {
  const bit = pi * (tlen + 1) + ti;
  const p = memo + (bit >> 3);
  store<u8>(p, load<u8>(p) | <u8>(1 << <u8>(bit & 7)));
}

// Matches a [...] list at pi against rune r; sets list_end to the index after ']'.
let list_end: usize = 0;
function list_match(pi: usize, r: i32): bool {
  let i = pi + 1;
  let neg = false;
  if (i < plen && load<u8>(pat + i) == 0x21) {
    neg = true;
    i++;
  }
  let hit = false;
  const pend = pat + plen;
  while (i < plen && load<u8>(pat + i) != 0x5d) {
    if (load<u8>(pat + i) == 0x5c) i++;
    const lo = decode_rune(pat + i, pend);
    i += <usize>rune_width;
    let hi = lo;
    if (i + 1 < plen && load<u8>(pat + i) == 0x2d && load<u8>(pat + i + 1) != 0x5d) {
      i++;
      if (load<u8>(pat + i) == 0x5c) i++;
      hi = decode_rune(pat + i, pend);
      i += <usize>rune_width;
    }
    if (r >= lo && r <= hi) hit = true;
  }
  list_end = i + 1;
  return hit != neg;
}

function m(pi: usize, ti: usize): bool {
  while (true) {
    if (pi >= plen) return ti == tlen;
    if (failed(pi, ti)) return false;
    const c = load<u8>(pat + pi);
    const j = load<i32>(jump + (pi << 2));
    if (j >= 0) {
      // ',' ends a branch or '}' ends the group: continue after the group.
      pi = <usize>j;
      continue;
    }
    if (c == 0x7b) {
      // Try each branch: the first starts after '{', the others after a top-level ','.
      let depth = 0;
      let k = pi + 1;
      if (m(k, ti)) return true;
      while (k < plen) {
        const d = load<u8>(pat + k);
        if (d == 0x5c) { k += 2; continue; }
        if (d == 0x5b) {
          while (k < plen && load<u8>(pat + k) != 0x5d) {
            if (load<u8>(pat + k) == 0x5c) k++;
            k++;
          }
        } else if (d == 0x7b) depth++;
        else if (d == 0x7d) {
          if (depth == 0) break;
          depth--;
        } else if (d == 0x2c && depth == 0) {
          if (m(k + 1, ti)) return true;
        }
        k++;
      }
      mark(pi, ti);
      return false;
    }
    if (c == 0x2a) {
      const sup = pi + 1 < plen && load<u8>(pat + pi + 1) == 0x2a;
      const next = sup ? pi + 2 : pi + 1;
      let k = ti;
      while (true) {
        if (m(next, k)) return true;
        if (k >= tlen) break;
        const r = decode_rune(txt + k, txt + tlen);
        if (!sup && is_sep(r)) break;
        k += <usize>rune_width;
      }
      mark(pi, ti);
      return false;
    }
    if (ti >= tlen) {
      mark(pi, ti);
      return false;
    }
    const r = decode_rune(txt + ti, txt + tlen);
    const w = <usize>rune_width;
    if (c == 0x3f) {
      if (is_sep(r)) break;
      pi++;
      ti += w;
      continue;
    }
    if (c == 0x5b) {
      if (!list_match(pi, r)) break;
      pi = list_end;
      ti += w;
      continue;
    }
    let q = pi;
    if (c == 0x5c) q++;
    const pr = decode_rune(pat + q, pat + plen);
    if (pr != r) break;
    pi = q + <usize>rune_width;
    ti += w;
  }
  mark(pi, ti);
  return false;
}

/**
 * Matches text against pattern with separator runes (i32 array). Returns 1/0, or
 * GLOB_BAD_PATTERN for an unbalanced pattern.
 */
export function glob_match(p: usize, pl: usize, t: usize, tl: usize, sepArr: usize, nsep: i32): i32 {
  pat = p;
  plen = pl;
  txt = t;
  tlen = tl;
  seps = sepArr;
  nseps = nsep;
  if (!prepare()) return GLOB_BAD_PATTERN;
  const bits = (plen + 1) * (tlen + 1);
  memo = lib_alloc((bits + 7) >> 3);
  memory.fill(memo, 0, (bits + 7) >> 3);
  return m(0, 0) ? 1 : 0;
}

/** Escapes glob metacharacters (* ? \ [ ] { }); returns a pointer, length in out_len. */
export function glob_quote_meta_len(p: usize, len: usize): usize {
  let n = len;
  for (let i: usize = 0; i < len; i++) if (is_meta(load<u8>(p + i))) n++;
  return n;
}

export function glob_quote_meta(p: usize, len: usize, out: usize): void {
  let q = out;
  for (let i: usize = 0; i < len; i++) {
    const c = load<u8>(p + i);
    if (is_meta(c)) {
      store<u8>(q, 0x5c);
      q++;
    }
    store<u8>(q, c);
    q++;
  }
}

function is_meta(c: i32): bool {
  return c == 0x2a || c == 0x3f || c == 0x5c || c == 0x5b || c == 0x5d || c == 0x7b || c == 0x7d;
}
