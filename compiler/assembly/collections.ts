// Arrays, objects and sets: append, sorted insert with binary search, lookup, iteration helpers
// for ScanStmt, and copies.

import { malloc } from './alloc';
import {
  TYPE_STRING, TYPE_NUMBER, TYPE_ARRAY, TYPE_OBJECT, TYPE_SET, vtype, coll_len, coll_items, coll_reserve,
  arr_get, obj_key_at, obj_val_at, opa_number_int, num_is_int, num_to_i64, str_len, str_ptr,
  opa_array_with_cap, opa_object, opa_set,
} from './value';
import { opa_value_compare, opa_value_equal, string_compare } from './compare';

export function opa_array_append(a: usize, v: usize): void {
  const items = coll_reserve(a, 1);
  const len = coll_len(a);
  store<u32>(items + (<usize>len << 2), <u32>v);
  store<u32>(a, len + 1, 4);
}

/** Binary search over sorted keys (stride = 1 for sets, 2 for objects). Returns index or -(ins+1). */
function search(items: usize, len: u32, stride: u32, k: usize): i32 {
  let lo: i32 = 0, hi: i32 = <i32>len - 1;
  const isStr = vtype(k) == TYPE_STRING;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const e = <usize>load<u32>(items + ((<usize>mid * stride) << 2));
    const c = isStr && vtype(e) == TYPE_STRING ? string_compare(e, k) : opa_value_compare(e, k);
    if (c == 0) return mid;
    if (c < 0) lo = mid + 1; else hi = mid - 1;
  }
  return -(lo + 1);
}

export function opa_object_find(o: usize, k: usize): i32 {
  const len = coll_len(o);
  if (len == 0) return -1;
  return search(coll_items(o), len, 2, k);
}

export function opa_object_get(o: usize, k: usize): usize {
  const i = opa_object_find(o, k);
  return i >= 0 ? obj_val_at(o, <u32>i) : 0;
}

/** Inserts or replaces k → v in an object being built. */
export function opa_object_insert(o: usize, k: usize, v: usize): void {
  const len = coll_len(o);
  // Fast path: keys arriving in order (sorted data, comprehensions over sorted collections).
  if (len > 0) {
    const last = obj_key_at(o, len - 1);
    if (opa_value_compare(last, k) < 0) {
      const items = coll_reserve(o, 2);
      store<u32>(items + (<usize>len << 3), <u32>k);
      store<u32>(items + (<usize>len << 3), <u32>v, 4);
      store<u32>(o, len + 1, 4);
      return;
    }
  }
  const i = opa_object_find(o, k);
  if (i >= 0) {
    store<u32>(coll_items(o) + (<usize>i << 3), <u32>v, 4);
    return;
  }
  const at = <u32>(-i - 1);
  const items = coll_reserve(o, 2);
  const p = items + (<usize>at << 3);
  memory.copy(p + 8, p, <usize>(len - at) << 3);
  store<u32>(p, <u32>k);
  store<u32>(p, <u32>v, 4);
  store<u32>(o, len + 1, 4);
}

/** Inserts k → v; returns 1 if k already maps to a different value (conflict), else 0. */
export function opa_object_insert_once(o: usize, k: usize, v: usize): i32 {
  const i = opa_object_find(o, k);
  if (i >= 0) return opa_value_equal(obj_val_at(o, <u32>i), v) ? 0 : 1;
  opa_object_insert(o, k, v);
  return 0;
}

export function opa_set_find(s: usize, v: usize): i32 {
  const len = coll_len(s);
  if (len == 0) return -1;
  return search(coll_items(s), len, 1, v);
}

export function opa_set_has(s: usize, v: usize): bool {
  return opa_set_find(s, v) >= 0;
}

export function opa_set_add(s: usize, v: usize): void {
  const len = coll_len(s);
  if (len > 0 && opa_value_compare(arr_get(s, len - 1), v) < 0) {
    const items = coll_reserve(s, 1);
    store<u32>(items + (<usize>len << 2), <u32>v);
    store<u32>(s, len + 1, 4);
    return;
  }
  const i = opa_set_find(s, v);
  if (i >= 0) return;
  const at = <u32>(-i - 1);
  const items = coll_reserve(s, 1);
  const p = items + (<usize>at << 2);
  memory.copy(p + 4, p, <usize>(len - at) << 2);
  store<u32>(p, <u32>v);
  store<u32>(s, len + 1, 4);
}

/** v[k]: object value, set member (the member itself), array element by integer index; else 0. */
export function opa_value_get(v: usize, k: usize): usize {
  if (v == 0 || k == 0) return 0;
  const t = vtype(v);
  if (t == TYPE_OBJECT) return opa_object_get(v, k);
  if (t == TYPE_SET) {
    const i = opa_set_find(v, k);
    return i >= 0 ? arr_get(v, <u32>i) : 0;
  }
  if (t == TYPE_ARRAY) {
    if (vtype(k) != TYPE_NUMBER || !num_is_int(k)) return 0;
    const i = num_to_i64(k);
    if (i < 0 || i >= <i64>coll_len(v)) return 0;
    return arr_get(v, <u32>i);
  }
  return 0;
}

/** Element count of a collection, code points of a string, else 0. */
export function opa_value_length(v: usize): u32 {
  const t = vtype(v);
  if (t == TYPE_ARRAY || t == TYPE_OBJECT || t == TYPE_SET) return coll_len(v);
  if (t == TYPE_STRING) return utf8_count(str_ptr(v), str_len(v));
  return 0;
}

/** Code points in UTF-8 bytes; each byte of an invalid sequence counts as one (Go's RuneCount). */
export function utf8_count(p: usize, n: u32): u32 {
  let c: u32 = 0;
  let i: u32 = 0;
  while (i < n) {
    const b0 = <u32>load<u8>(p + i);
    let len: u32 = 1;
    if (b0 >= 0xc2 && b0 <= 0xdf) len = 2;
    else if (b0 >= 0xe0 && b0 <= 0xef) len = 3;
    else if (b0 >= 0xf0 && b0 <= 0xf4) len = 4;
    if (len > 1) {
      if (i + len > n) len = 1;
      else {
        const b1 = <u32>load<u8>(p + i + 1);
        let ok = (b1 & 0xc0) == 0x80;
        if (b0 == 0xe0 && b1 < 0xa0) ok = false;
        if (b0 == 0xed && b1 > 0x9f) ok = false;
        if (b0 == 0xf0 && b1 < 0x90) ok = false;
        if (b0 == 0xf4 && b1 > 0x8f) ok = false;
        for (let j: u32 = 2; j < len && ok; j++) if ((load<u8>(p + i + j) & 0xc0) != 0x80) ok = false;
        if (!ok) len = 1;
      }
    }
    i += len;
    c++;
  }
  return c;
}

// ---- ScanStmt support --------------------------------------------------------------------------

/** Number of iterations a ScanStmt makes over v (0 for scalars and undefined). */
export function opa_scan_len(v: usize): u32 {
  if (v == 0) return 0;
  const t = vtype(v);
  return t == TYPE_ARRAY || t == TYPE_OBJECT || t == TYPE_SET ? coll_len(v) : 0;
}

export function opa_scan_key(v: usize, i: u32): usize {
  const t = vtype(v);
  if (t == TYPE_ARRAY) return opa_number_int(<i64>i);
  if (t == TYPE_OBJECT) return obj_key_at(v, i);
  return arr_get(v, i);
}

export function opa_scan_value(v: usize, i: u32): usize {
  const t = vtype(v);
  if (t == TYPE_OBJECT) return obj_val_at(v, i);
  return arr_get(v, i);
}

// ---- copies ------------------------------------------------------------------------------------

/** A shallow copy of a collection (same tag, fresh item storage); scalars are returned as-is. */
export function opa_value_shallow_copy(v: usize): usize {
  const t = vtype(v);
  if (t != TYPE_ARRAY && t != TYPE_OBJECT && t != TYPE_SET) return v;
  const len = coll_len(v);
  const slots: u32 = t == TYPE_OBJECT ? 2 : 1;
  const c = malloc(16);
  store<u32>(c, <u32>t);
  store<u32>(c, len, 4);
  store<u32>(c, len, 8);
  const items = len > 0 ? malloc(<usize>len * slots * 4) : 0;
  if (len > 0) memory.copy(items, coll_items(v), <usize>len * slots * 4);
  store<u32>(c, <u32>items, 12);
  return c;
}

/**
 * Copy of `o` with path (an array of keys) set to `v`; intermediate non-objects are replaced by
 * objects (the semantics of `with` on input/data). `o` itself is not modified.
 */
export function opa_value_upsert(o: usize, path: usize, v: usize): usize {
  return upsert_at(o, path, 0, v);
}

function upsert_at(o: usize, path: usize, i: u32, v: usize): usize {
  if (i >= coll_len(path)) return v;
  const k = arr_get(path, i);
  const base = o != 0 && vtype(o) == TYPE_OBJECT ? opa_value_shallow_copy(o) : opa_object();
  const child = opa_object_get(base, k);
  opa_object_insert(base, k, upsert_at(child, path, i + 1, v));
  return base;
}

/** Deep merge of objects: keys of both; where both hold objects, merged; otherwise a wins. */
export function opa_value_merge(a: usize, b: usize): usize {
  if (a == 0) return b;
  if (b == 0) return a;
  if (vtype(a) != TYPE_OBJECT || vtype(b) != TYPE_OBJECT) return 0;
  const r = opa_value_shallow_copy(a);
  const n = coll_len(b);
  for (let i: u32 = 0; i < n; i++) {
    const k = obj_key_at(b, i);
    const bv = obj_val_at(b, i);
    const j = opa_object_find(r, k);
    if (j < 0) { opa_object_insert(r, k, bv); continue; }
    const av = obj_val_at(r, <u32>j);
    if (vtype(av) == TYPE_OBJECT && vtype(bv) == TYPE_OBJECT) {
      store<u32>(coll_items(r) + (<usize>j << 3), <u32>opa_value_merge(av, bv), 4);
    }
  }
  return r;
}

/** A fresh array of the elements of a set (sorted) or array. */
export function opa_array_of(v: usize): usize {
  const n = coll_len(v);
  const a = opa_array_with_cap(n);
  if (n > 0) memory.copy(coll_items(a), coll_items(v), <usize>n << 2);
  store<u32>(a, n, 4);
  return a;
}

/** A set built from the elements of an array, set or object values. */
export function opa_set_of_array(v: usize): usize {
  const s = opa_set();
  const n = coll_len(v);
  for (let i: u32 = 0; i < n; i++) opa_set_add(s, arr_get(v, i));
  return s;
}

/** LenStmt: the length of v (see opa_value_length) as a number value. */
export function opa_length_value(v: usize): usize {
  return opa_number_int(<i64>opa_value_length(v));
}
