// Regex operations the builtins need, over UTF-8 buffers: match, iteration over successive
// matches with Go's empty-match rules, ReplaceAllString with $-expansion, and template matching.
import { get_out_len } from './alloc';
import { decode_rune, rune_width } from './utf8';
import { buf_begin, buf_byte, buf_bytes, buf_end } from './buf';
import { re_compile, re_group_index, re_prog_ncap } from './regex_compile';
import { re_exec, re_cap } from './regex_exec';

export { re_compile, re_compile_error, re_prog_ncap } from './regex_compile';
export { re_exec, re_cap, re_too_large } from './regex_exec';

/** 1 = match, 0 = no match, -1 = invalid pattern. */
export function re_match(pat: usize, plen: usize, text: usize, tlen: usize): i32 {
  const h = re_compile(pat, plen);
  if (h == 0) return -1;
  return re_exec(h, text, <i32>tlen, 0) ? 1 : 0;
}

let itPos: i32 = 0;
let itPrevEnd: i32 = -1;

export function re_iter_begin(): void {
  itPos = 0;
  itPrevEnd = -1;
}

/** Next match as Go's allMatches yields it; captures in re_cap. */
export function re_iter_next(h: usize, text: usize, len: i32): bool {
  while (itPos <= len) {
    if (!re_exec(h, text, len, itPos)) return false;
    const s = re_cap(0);
    const e = re_cap(1);
    let accept = true;
    if (e == itPos) {
      if (s == itPrevEnd) accept = false;
      if (itPos < len) {
        decode_rune(text + <usize>itPos, text + <usize>len);
        itPos += rune_width;
      } else itPos = len + 1;
    } else {
      itPos = e;
    }
    itPrevEnd = e;
    if (accept) return true;
  }
  return false;
}

function is_name_char(c: i32): bool {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x5f;
}

function append_group(h: usize, text: usize, np: usize, nn: usize): void {
  // Numeric names are group indexes; others are looked up by name. Unknown groups expand to "".
  let idx = 0;
  let numeric = true;
  for (let i: usize = 0; i < nn; i++) {
    const c = <i32>load<u8>(np + i);
    if (c < 0x30 || c > 0x39) {
      numeric = false;
      break;
    }
    idx = idx * 10 + (c - 0x30);
    if (idx > 100000) idx = 100000;
  }
  if (!numeric) idx = re_group_index(h, np, nn);
  if (idx < 0 || idx >= re_prog_ncap(h)) return;
  const s = re_cap(idx * 2);
  const e = re_cap(idx * 2 + 1);
  if (s >= 0 && e >= s) buf_bytes(text + <usize>s, <usize>(e - s));
}

/** Go's Regexp.Expand of repl for the current match into the active buffer. */
function expand(h: usize, text: usize, repl: usize, rlen: usize): void {
  let i: usize = 0;
  while (i < rlen) {
    const c = load<u8>(repl + i);
    if (c != 0x24 || i + 1 >= rlen) {
      buf_byte(c);
      i++;
      continue;
    }
    const n = load<u8>(repl + i + 1);
    if (n == 0x24) {
      buf_byte(0x24);
      i += 2;
      continue;
    }
    if (n == 0x7b) {
      let j = i + 2;
      while (j < rlen && is_name_char(load<u8>(repl + j))) j++;
      if (j < rlen && j > i + 2 && load<u8>(repl + j) == 0x7d) {
        append_group(h, text, repl + i + 2, j - i - 2);
        i = j + 1;
        continue;
      }
      buf_byte(0x24);
      i++;
      continue;
    }
    let j = i + 1;
    while (j < rlen && is_name_char(load<u8>(repl + j))) j++;
    if (j == i + 1) {
      buf_byte(0x24);
      i++;
      continue;
    }
    append_group(h, text, repl + i + 1, j - i - 1);
    i = j;
  }
}

/** ReplaceAllString(text, repl); returns the result pointer (length in out_len). */
export function re_replace_all(h: usize, text: usize, len: i32, repl: usize, rlen: usize): usize {
  buf_begin(<usize>len + rlen + 16);
  let lastEnd = 0;
  let search = 0;
  while (search <= len) {
    if (!re_exec(h, text, len, search)) break;
    const s = re_cap(0);
    const e = re_cap(1);
    buf_bytes(text + <usize>lastEnd, <usize>(s - lastEnd));
    if (e > lastEnd || s == 0) expand(h, text, repl, rlen);
    lastEnd = e;
    let width = 1;
    if (search < len) {
      decode_rune(text + <usize>search, text + <usize>len);
      width = rune_width;
    }
    if (search + width > e) search += width;
    else if (search + 1 > e) search++;
    else search = e;
  }
  buf_bytes(text + <usize>lastEnd, <usize>(len - lastEnd));
  return buf_end();
}

function is_meta(c: i32): bool {
  // Go's regexp.QuoteMeta special characters: \.+*?()|[]{}^$
  return c == 0x5c || c == 0x2e || c == 0x2b || c == 0x2a || c == 0x3f || c == 0x28 || c == 0x29 ||
    c == 0x7c || c == 0x5b || c == 0x5d || c == 0x7b || c == 0x7d || c == 0x5e || c == 0x24;
}

/**
 * regex.template_match: literal text with patterns between single-byte delimiters (nesting
 * counted). 1 = match, 0 = no match, -1 = unbalanced delimiters or invalid pattern.
 */
export function re_template_match(tpl: usize, tlen: usize, text: usize, len: usize, ds: i32, de: i32): i32 {
  buf_begin(tlen * 2 + 8);
  buf_byte(0x5e);
  let level = 0;
  for (let i: usize = 0; i < tlen; i++) {
    const c = <i32>load<u8>(tpl + i);
    if (c == ds) {
      if (level == 0) buf_byte(0x28);
      else buf_byte(c);
      level++;
    } else if (c == de) {
      level--;
      if (level < 0) return -1;
      if (level == 0) buf_byte(0x29);
      else buf_byte(c);
    } else if (level == 0 && is_meta(c)) {
      buf_byte(0x5c);
      buf_byte(c);
    } else buf_byte(c);
  }
  if (level != 0) return -1;
  buf_byte(0x24);
  const p = buf_end();
  return re_match(p, get_out_len(), text, len);
}
