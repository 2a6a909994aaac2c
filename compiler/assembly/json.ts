// JSON parse and dump. Parsed strings without escapes and number texts point straight into the
// source buffer (no copy): the SDK keeps data and input buffers in place for their lifetime.
// Dump writes NUL-terminated UTF-8 (the SDK scans for the 0 byte); control characters are escaped
// so a NUL inside a string cannot cut the output short. Sets dump as arrays (Rego syntax dump:
// `{…}` / `set()`), objects and sets in sorted order.

import { malloc } from './alloc';
import {
  TYPE_NULL, TYPE_BOOLEAN, TYPE_NUMBER, TYPE_STRING, TYPE_ARRAY, TYPE_OBJECT, TYPE_SET,
  NULL_VALUE, TRUE_VALUE, FALSE_VALUE, vtype, bool_get, str_len, str_ptr, coll_len, arr_get,
  obj_key_at, obj_val_at, opa_string, opa_array, opa_object, opa_set,
} from './value';
import { number_grammar, number_from_text, number_format, number_format_size } from './number';
import { opa_array_append, opa_object_insert, opa_set_add } from './collections';

// ---- parse -------------------------------------------------------------------------------------

let jp: usize = 0;
let je: usize = 0;
let jsets: bool = false; // Rego value syntax: accept `{a, b}` sets and `set()`

function ws(): void {
  while (jp < je) {
    const c = load<u8>(jp);
    if (c != 32 && c != 10 && c != 13 && c != 9) break;
    jp++;
  }
}

function hex4(p: usize): i32 {
  let r: i32 = 0;
  for (let i = 0; i < 4; i++) {
    const c = <i32>load<u8>(p + i);
    let d: i32;
    if (c >= 48 && c <= 57) d = c - 48;
    else if (c >= 97 && c <= 102) d = c - 87;
    else if (c >= 65 && c <= 70) d = c - 55;
    else return -1;
    r = (r << 4) | d;
  }
  return r;
}

function put_utf8(q: usize, cp: u32): usize {
  if (cp < 0x80) { store<u8>(q, <u8>cp); return q + 1; }
  if (cp < 0x800) {
    store<u8>(q, <u8>(0xc0 | (cp >> 6))); store<u8>(q + 1, <u8>(0x80 | (cp & 63))); return q + 2;
  }
  if (cp < 0x10000) {
    store<u8>(q, <u8>(0xe0 | (cp >> 12))); store<u8>(q + 1, <u8>(0x80 | ((cp >> 6) & 63)));
    store<u8>(q + 2, <u8>(0x80 | (cp & 63))); return q + 3;
  }
  store<u8>(q, <u8>(0xf0 | (cp >> 18))); store<u8>(q + 1, <u8>(0x80 | ((cp >> 12) & 63)));
  store<u8>(q + 2, <u8>(0x80 | ((cp >> 6) & 63))); store<u8>(q + 3, <u8>(0x80 | (cp & 63)));
  return q + 4;
}

function parse_string(): usize {
  jp++; // opening quote
  const start = jp;
  let escapes = false;
  while (true) {
    if (jp >= je) return 0;
    const c = load<u8>(jp);
    if (c == 34) break;
    if (c < 0x20) return 0;
    if (c == 92) { escapes = true; jp += 2; continue; }
    jp++;
  }
  const rawLen = <u32>(jp - start);
  jp++; // closing quote
  if (!escapes) return opa_string(start, rawLen);
  const buf = malloc(rawLen);
  let q = buf;
  let p = start;
  const end = start + rawLen;
  while (p < end) {
    const c = load<u8>(p);
    if (c != 92) { store<u8>(q, c); q++; p++; continue; }
    if (p + 1 >= end) return 0;
    const e = load<u8>(p + 1);
    p += 2;
    switch (e) {
      case 34: store<u8>(q, 34); q++; break;
      case 92: store<u8>(q, 92); q++; break;
      case 47: store<u8>(q, 47); q++; break;
      case 98: store<u8>(q, 8); q++; break;
      case 102: store<u8>(q, 12); q++; break;
      case 110: store<u8>(q, 10); q++; break;
      case 114: store<u8>(q, 13); q++; break;
      case 116: store<u8>(q, 9); q++; break;
      case 117: {
        if (p + 4 > end) return 0;
        let cp = hex4(p);
        if (cp < 0) return 0;
        p += 4;
        if (cp >= 0xd800 && cp < 0xdc00) {
          // High surrogate: combine with a following \uDC00–\uDFFF, else U+FFFD.
          if (p + 6 <= end && load<u8>(p) == 92 && load<u8>(p + 1) == 117) {
            const lo = hex4(p + 2);
            if (lo >= 0xdc00 && lo < 0xe000) {
              cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
              p += 6;
            } else cp = 0xfffd;
          } else cp = 0xfffd;
        } else if (cp >= 0xdc00 && cp < 0xe000) cp = 0xfffd;
        q = put_utf8(q, <u32>cp);
        break;
      }
      default: return 0;
    }
  }
  return opa_string(buf, <u32>(q - buf));
}

function parse_number(): usize {
  const start = jp;
  while (jp < je) {
    const c = load<u8>(jp);
    if ((c >= 48 && c <= 57) || c == 45 || c == 43 || c == 46 || c == 101 || c == 69) jp++;
    else break;
  }
  const len = <u32>(jp - start);
  const flags = number_grammar(start, len);
  if (flags == 0) return 0;
  return number_from_text(start, len, flags);
}

function lit(word: u32, n: usize): bool {
  if (jp + n > je) return false;
  for (let i: usize = 0; i < n; i++) if (load<u8>(jp + i) != <u8>(word >> (<u32>i * 8))) return false;
  jp += n;
  return true;
}

function parse_value(depth: i32): usize {
  if (depth > 1000) return 0;
  ws();
  if (jp >= je) return 0;
  const c = load<u8>(jp);
  if (c == 34) return parse_string();
  if (c == 123) return parse_object(depth);
  if (c == 91) {
    jp++;
    const a = opa_array();
    ws();
    if (jp < je && load<u8>(jp) == 93) { jp++; return a; }
    while (true) {
      const v = parse_value(depth + 1);
      if (v == 0) return 0;
      opa_array_append(a, v);
      ws();
      if (jp >= je) return 0;
      const d = load<u8>(jp);
      jp++;
      if (d == 93) return a;
      if (d != 44) return 0;
    }
  }
  if (c == 116) return lit(0x65757274, 4) ? TRUE_VALUE : 0; // "true"
  if (c == 102) { // "false"
    if (lit(0x736c6166, 4) && jp < je && load<u8>(jp) == 101) { jp++; return FALSE_VALUE; }
    return 0;
  }
  if (c == 110) return lit(0x6c6c756e, 4) ? NULL_VALUE : 0; // "null"
  if (jsets && c == 115 && lit(0x28746573, 4)) { // "set(" ")"
    if (jp < je && load<u8>(jp) == 41) { jp++; return opa_set(); }
    return 0;
  }
  return parse_number();
}


function parse_object(depth: i32): usize {
  jp++;
  ws();
  const o = opa_object();
  if (jp < je && load<u8>(jp) == 125) { jp++; return o; }
  let s: usize = 0; // becomes a set in Rego syntax when the first element has no ':'
  let first = true;
  while (true) {
    ws();
    if (jp >= je) return 0;
    const k = jsets ? parse_value(depth + 1) : (load<u8>(jp) == 34 ? parse_string() : 0);
    if (k == 0) return 0;
    ws();
    if (jp >= je) return 0;
    let d = load<u8>(jp);
    if (first && jsets && (d == 44 || d == 125)) s = opa_set();
    first = false;
    if (s != 0) {
      opa_set_add(s, k);
    } else {
      if (d != 58) return 0;
      jp++;
      const v = parse_value(depth + 1);
      if (v == 0) return 0;
      opa_object_insert(o, k, v);
      ws();
      if (jp >= je) return 0;
      d = load<u8>(jp);
    }
    jp++;
    if (d == 125) return s != 0 ? s : o;
    if (d != 44) return 0;
  }
}

function parse_doc(p: usize, len: u32, sets: bool): usize {
  jp = p;
  je = p + len;
  jsets = sets;
  const v = parse_value(0);
  if (v == 0) return 0;
  ws();
  return jp == je ? v : 0;
}

/** Parses len bytes of JSON at p; 0 if invalid. */
export function opa_json_parse(p: usize, len: u32): usize {
  return parse_doc(p, len, false);
}

/** Parses a value in Rego syntax (JSON plus sets); 0 if invalid. */
export function opa_value_parse(p: usize, len: u32): usize {
  return parse_doc(p, len, true);
}

// ---- dump --------------------------------------------------------------------------------------

let db: usize = 0; // buffer
let dl: usize = 0; // used
let dc: usize = 0; // capacity
let dsets: bool = false;

function reserve(n: usize): void {
  if (dl + n <= dc) return;
  let nc = dc * 2;
  if (nc < dl + n) nc = dl + n + 64;
  const nb = malloc(nc);
  if (dl > 0) memory.copy(nb, db, dl);
  db = nb;
  dc = nc;
}

function putc(c: u8): void {
  reserve(1);
  store<u8>(db + dl, c);
  dl++;
}

function puts(word: u64, n: usize): void {
  reserve(8);
  store<u64>(db + dl, word);
  dl += n;
}

const HEX: usize = memory.data<u8>([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102]);

function dump_string_bytes(p: usize, n: u32): void {
  reserve(<usize>n * 6 + 2);
  let q = db + dl;
  store<u8>(q++, 34);
  for (let i: u32 = 0; i < n; i++) {
    const c = load<u8>(p + i);
    if (c == 34 || c == 92) { store<u8>(q++, 92); store<u8>(q++, c); continue; }
    if (c >= 0x20) { store<u8>(q++, c); continue; }
    store<u8>(q++, 92);
    if (c == 10) store<u8>(q++, 110);
    else if (c == 13) store<u8>(q++, 114);
    else if (c == 9) store<u8>(q++, 116);
    else if (c == 8) store<u8>(q++, 98);
    else if (c == 12) store<u8>(q++, 102);
    else {
      store<u8>(q++, 117); store<u8>(q++, 48); store<u8>(q++, 48);
      store<u8>(q++, load<u8>(HEX + (c >> 4))); store<u8>(q++, load<u8>(HEX + (c & 15)));
    }
  }
  store<u8>(q++, 34);
  dl = q - db;
}

function dump_value(v: usize): void {
  switch (vtype(v)) {
    case TYPE_NULL: puts(0x6c6c756e, 4); return;
    case TYPE_BOOLEAN: if (bool_get(v)) puts(0x65757274, 4); else puts(0x65736c6166, 5); return;
    case TYPE_NUMBER: {
      reserve(number_format_size(v));
      dl += number_format(v, db + dl);
      return;
    }
    case TYPE_STRING: dump_string_bytes(str_ptr(v), str_len(v)); return;
    case TYPE_ARRAY: {
      putc(91);
      const n = coll_len(v);
      for (let i: u32 = 0; i < n; i++) { if (i > 0) putc(44); dump_value(arr_get(v, i)); }
      putc(93);
      return;
    }
    case TYPE_SET: {
      const n = coll_len(v);
      if (dsets && n == 0) { puts(0x2928746573, 5); return; } // set()
      putc(dsets ? 123 : 91);
      for (let i: u32 = 0; i < n; i++) { if (i > 0) putc(44); dump_value(arr_get(v, i)); }
      putc(dsets ? 125 : 93);
      return;
    }
    case TYPE_OBJECT: {
      putc(123);
      const n = coll_len(v);
      for (let i: u32 = 0; i < n; i++) {
        if (i > 0) putc(44);
        const k = obj_key_at(v, i);
        if (vtype(k) == TYPE_STRING || dsets) dump_value(k);
        else {
          // JSON keys must be strings: non-string keys are written as their JSON text, quoted.
          const mark = dl;
          dump_value(k);
          const n2 = dl - mark;
          const tmp = malloc(n2);
          memory.copy(tmp, db + mark, n2);
          dl = mark;
          dump_string_bytes(tmp, <u32>n2);
        }
        putc(58);
        dump_value(obj_val_at(v, i));
      }
      putc(125);
      return;
    }
  }
  puts(0x6c6c756e, 4); // unknown tag: never emit invalid JSON
}

function dump_doc(v: usize, sets: bool): usize {
  db = malloc(256);
  dl = 0;
  dc = 256;
  dsets = sets;
  if (v == 0) puts(0x6c6c756e, 4);
  else dump_value(v);
  putc(0);
  return db;
}

/** NUL-terminated JSON text of v. */
export function opa_json_dump(v: usize): usize {
  return dump_doc(v, false);
}

/** NUL-terminated Rego-syntax text of v (sets as {…} / set()). */
export function opa_value_dump(v: usize): usize {
  return dump_doc(v, true);
}

/** Length of the last dump without its NUL (for builtins that turn a dump into a string). */
export function opa_dump_len(): u32 {
  return <u32>dl - 1;
}
