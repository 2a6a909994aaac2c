// json.patch: RFC 6902 JSON Patch (add, remove, replace, move, copy, test) over OPA values,
// including OPA's extension to sets (a path segment names a member by value). Values are never
// mutated: each operation rebuilds the containers along its path. Any failure makes the call
// undefined, as in OPA.
import { malloc } from '../alloc';
import {
  TYPE_OBJECT, TYPE_ARRAY, TYPE_SET, TYPE_STRING, TYPE_NUMBER, NUM_INT, vtype, num_kind, num_i64, coll_len, arr_get,
  set_get, obj_key_at, obj_val_at, opa_object, opa_set, opa_string, opa_array_with_cap,
} from '../value';
import { opa_array_append, opa_object_get, opa_object_insert, opa_set_add, opa_set_has } from '../collections';
import { opa_value_equal } from '../compare';
import { sp, sl } from './support/text';
import { split_pointer } from './support/json_pointer';
import { type_error } from './support/errors';

const FAIL: usize = 1; // sentinel distinct from any value address and from 0 (= removed root)

function str_eq(v: usize, s: string): bool {
  if (vtype(v) != TYPE_STRING || <i32>sl(v) != s.length) return false;
  for (let i = 0; i < s.length; i++) if (<i32>load<u8>(sp(v) + <usize>i) != s.charCodeAt(i)) return false;
  return true;
}

/** Path value → array of segments; 0 if malformed. */
function segments(p: usize): usize {
  const t = vtype(p);
  if (t == TYPE_ARRAY) return p;
  if (t != TYPE_STRING) return 0;
  return split_pointer(p);
}

/** Array index of a segment: decimal string without leading zeros, or a non-negative NUM_INT. -1 if not. */
function index_of(seg: usize): i64 {
  const t = vtype(seg);
  if (t == TYPE_NUMBER) {
    if (num_kind(seg) != NUM_INT) return -1;
    const v = num_i64(seg);
    return v >= 0 ? v : -1;
  }
  if (t != TYPE_STRING) return -1;
  const n = sl(seg);
  if (n == 0 || n > 10 || (n > 1 && load<u8>(sp(seg)) == 48)) return -1;
  let v: i64 = 0;
  for (let i: usize = 0; i < n; i++) {
    const c = load<u8>(sp(seg) + i);
    if (c < 48 || c > 57) return -1;
    v = v * 10 + <i64>(c - 48);
  }
  return v;
}

function get(doc: usize, segs: usize, i: u32): usize {
  if (doc == 0) return 0;
  if (i == coll_len(segs)) return doc;
  const seg = arr_get(segs, i);
  const t = vtype(doc);
  let child: usize = 0;
  if (t == TYPE_OBJECT) child = opa_object_get(doc, seg);
  else if (t == TYPE_ARRAY) {
    const idx = index_of(seg);
    if (idx >= 0 && idx < <i64>coll_len(doc)) child = arr_get(doc, <u32>idx);
  } else if (t == TYPE_SET) {
    if (opa_set_has(doc, seg)) child = seg;
  }
  return child == 0 ? 0 : get(child, segs, i + 1);
}

function object_with(o: usize, k: usize, v: usize): usize {
  const out = opa_object();
  const n = coll_len(o);
  for (let i: u32 = 0; i < n; i++) {
    const key = obj_key_at(o, i);
    if (v == 0 && opa_value_equal(key, k)) continue;
    opa_object_insert(out, key, obj_val_at(o, i));
  }
  if (v != 0) opa_object_insert(out, k, v);
  return out;
}

function set_with(s: usize, remove: usize, add: usize): usize {
  const out = opa_set();
  const n = coll_len(s);
  for (let i: u32 = 0; i < n; i++) {
    const m = set_get(s, i);
    if (remove != 0 && opa_value_equal(m, remove)) continue;
    opa_set_add(out, m);
  }
  if (add != 0) opa_set_add(out, add);
  return out;
}

/** Array copy with element idx replaced (v), removed (v == 0 && !insert), or v inserted at idx. */
function array_with(a: usize, idx: u32, v: usize, insert: bool): usize {
  const n = coll_len(a);
  const out = opa_array_with_cap(n + 1);
  for (let i: u32 = 0; i <= n; i++) {
    if (i == idx) {
      if (insert) opa_array_append(out, v);
      else if (v != 0) {
        opa_array_append(out, v);
        continue;
      } else continue;
    }
    if (i < n) opa_array_append(out, arr_get(a, i));
  }
  return out;
}

// mode: 0 add, 1 remove
function apply(doc: usize, segs: usize, i: u32, mode: i32, value: usize): usize {
  const len = coll_len(segs);
  if (i == len) {
    if (mode == 0) return value;
    return doc == 0 ? FAIL : 0;
  }
  if (doc == 0) return FAIL;
  const seg = arr_get(segs, i);
  const last = i + 1 == len;
  const t = vtype(doc);
  if (t == TYPE_OBJECT) {
    const child = opa_object_get(doc, seg);
    if (last) {
      if (mode == 1 && child == 0) return FAIL;
      return object_with(doc, seg, mode == 1 ? 0 : value);
    }
    if (child == 0) return FAIL;
    const nc = apply(child, segs, i + 1, mode, value);
    return nc == FAIL ? FAIL : object_with(doc, seg, nc);
  }
  if (t == TYPE_ARRAY) {
    const n = <i64>coll_len(doc);
    if (last && mode == 0 && str_eq(seg, '-')) return array_with(doc, <u32>n, value, true);
    const idx = index_of(seg);
    if (idx < 0) return FAIL;
    if (last) {
      if (mode == 0) return idx <= n ? array_with(doc, <u32>idx, value, true) : FAIL;
      if (idx >= n) return FAIL;
      return array_with(doc, <u32>idx, 0, false);
    }
    if (idx >= n) return FAIL;
    const nc = apply(arr_get(doc, <u32>idx), segs, i + 1, mode, value);
    return nc == FAIL ? FAIL : array_with(doc, <u32>idx, nc, false);
  }
  if (t == TYPE_SET) {
    const has = opa_set_has(doc, seg);
    if (last) {
      if (mode == 0) return opa_value_equal(seg, value) ? set_with(doc, 0, value) : FAIL;
      return has ? set_with(doc, seg, 0) : FAIL;
    }
    if (!has) return FAIL;
    // The member is rewritten: the old value leaves the set and the new one joins it. (So a
    // replace below a member fails: its second half no longer finds the original member.)
    const nc = apply(seg, segs, i + 1, mode, value);
    if (nc == FAIL || nc == 0) return FAIL;
    return set_with(doc, seg, nc);
  }
  return FAIL;
}

/** Is segs a proper prefix of other? (moving a node into its own child) */
function proper_prefix(segs: usize, other: usize): bool {
  const n = coll_len(segs);
  if (n >= coll_len(other)) return false;
  for (let i: u32 = 0; i < n; i++) if (!opa_value_equal(arr_get(segs, i), arr_get(other, i))) return false;
  return true;
}

function field(o: usize, name: string): usize {
  const n = coll_len(o);
  for (let i: u32 = 0; i < n; i++) if (str_eq(obj_key_at(o, i), name)) return obj_val_at(o, i);
  return 0;
}

export function opa_builtin_json_patch(doc: usize, patches: usize): usize {
  if (vtype(patches) != TYPE_ARRAY) return type_error('json.patch', 2, 'array', patches);
  let cur = doc;
  const n = coll_len(patches);
  for (let k: u32 = 0; k < n; k++) {
    const p = arr_get(patches, k);
    if (vtype(p) != TYPE_OBJECT) return 0;
    const op = field(p, 'op');
    const pathv = field(p, 'path');
    if (op == 0 || pathv == 0) return 0;
    const segs = segments(pathv);
    if (segs == 0) return 0;
    let r: usize = FAIL;
    if (str_eq(op, 'add')) {
      const v = field(p, 'value');
      if (v == 0) return 0;
      r = apply(cur, segs, 0, 0, v);
    } else if (str_eq(op, 'replace')) {
      // RFC 6902: replace = remove, then add at the same path.
      const v = field(p, 'value');
      if (v == 0) return 0;
      if (coll_len(segs) == 0) r = cur == 0 ? FAIL : v;
      else {
        r = apply(cur, segs, 0, 1, 0);
        if (r != FAIL) r = apply(r, segs, 0, 0, v);
      }
    } else if (str_eq(op, 'remove')) {
      r = apply(cur, segs, 0, 1, 0);
    } else if (str_eq(op, 'test')) {
      const v = field(p, 'value');
      if (v == 0) return 0;
      const got = get(cur, segs, 0);
      r = got != 0 && opa_value_equal(got, v) ? cur : FAIL;
    } else if (str_eq(op, 'move') || str_eq(op, 'copy')) {
      const fromv = field(p, 'from');
      if (fromv == 0) return 0;
      const from = segments(fromv);
      if (from == 0) return 0;
      const v = get(cur, from, 0);
      if (v == 0) return 0;
      if (str_eq(op, 'move')) {
        if (proper_prefix(from, segs)) return 0;
        const removed = apply(cur, from, 0, 1, 0);
        if (removed == FAIL) return 0;
        r = apply(removed, segs, 0, 0, v);
      } else {
        r = apply(cur, segs, 0, 0, v);
      }
    } else {
      return 0;
    }
    if (r == FAIL) return 0;
    cur = r;
  }
  return cur;
}
