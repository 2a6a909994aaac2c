// Set, array and object builtins.
import { operand_error } from './core_errors';
import {
  TYPE_ARRAY, TYPE_OBJECT, TYPE_SET, TYPE_NUMBER, vtype, coll_len, coll_items, arr_get, obj_key_at, obj_val_at,
  opa_array_with_cap, opa_object, opa_set, num_is_int, num_to_i64, opa_boolean,
} from '../value';
import {
  opa_array_append, opa_set_add, opa_set_has, opa_object_insert, opa_object_get, opa_object_find,
  opa_value_get, opa_value_shallow_copy,
} from '../collections';
import { opa_value_equal } from '../compare';

// ---- sets --------------------------------------------------------------------------------------

/** `&`: set intersection. */
export function opa_builtin_and(a: usize, b: usize): usize {
  if (vtype(a) != TYPE_SET) return operand_error('and', 1, 'set', a);
  if (vtype(b) != TYPE_SET) return operand_error('and', 2, 'set', b);
  const r = opa_set();
  const n = coll_len(a);
  for (let i: u32 = 0; i < n; i++) {
    const e = arr_get(a, i);
    if (opa_set_has(b, e)) opa_set_add(r, e);
  }
  return r;
}

/** `|`: set union. */
export function opa_builtin_or(a: usize, b: usize): usize {
  if (vtype(a) != TYPE_SET) return operand_error('or', 1, 'set', a);
  if (vtype(b) != TYPE_SET) return operand_error('or', 2, 'set', b);
  const r = opa_value_shallow_copy(a);
  const n = coll_len(b);
  for (let i: u32 = 0; i < n; i++) opa_set_add(r, arr_get(b, i));
  return r;
}

export function opa_builtin_intersection(s: usize): usize {
  if (vtype(s) != TYPE_SET) return operand_error('intersection', 1, 'set of sets', s);
  const n = coll_len(s);
  for (let i: u32 = 0; i < n; i++) if (vtype(arr_get(s, i)) != TYPE_SET) return operand_error('intersection', 1, 'set of sets', arr_get(s, i));
  if (n == 0) return opa_set();
  let r = arr_get(s, 0);
  for (let i: u32 = 1; i < n; i++) r = opa_builtin_and(r, arr_get(s, i));
  return r;
}

export function opa_builtin_union(s: usize): usize {
  if (vtype(s) != TYPE_SET) return operand_error('union', 1, 'set of sets', s);
  const n = coll_len(s);
  let r = opa_set();
  for (let i: u32 = 0; i < n; i++) {
    const e = arr_get(s, i);
    if (vtype(e) != TYPE_SET) return operand_error('union', 1, 'set of sets', e);
    r = opa_builtin_or(r, e);
  }
  return r;
}

// ---- arrays ------------------------------------------------------------------------------------

export function opa_builtin_array_concat(a: usize, b: usize): usize {
  if (vtype(a) != TYPE_ARRAY) return operand_error('array.concat', 1, 'array', a);
  if (vtype(b) != TYPE_ARRAY) return operand_error('array.concat', 2, 'array', b);
  const na = coll_len(a), nb = coll_len(b);
  const r = opa_array_with_cap(na + nb);
  if (na > 0) memory.copy(coll_items(r), coll_items(a), <usize>na << 2);
  if (nb > 0) memory.copy(coll_items(r) + (<usize>na << 2), coll_items(b), <usize>nb << 2);
  store<u32>(r, na + nb, 4);
  return r;
}

/** array.slice(arr, start, stop): indices clamped to [0, len]; empty when start >= stop. */
export function opa_builtin_array_slice(a: usize, start: usize, stop: usize): usize {
  if (vtype(a) != TYPE_ARRAY) return operand_error('array.slice', 1, 'array', a);
  if (vtype(start) != TYPE_NUMBER) return operand_error('array.slice', 2, 'number', start);
  if (vtype(stop) != TYPE_NUMBER) return operand_error('array.slice', 3, 'number', stop);
  // Non-integral indices: undefined (regorus); OPA would raise an error, so no result either way.
  if (!num_is_int(start) || !num_is_int(stop)) return 0;
  const len = <i64>coll_len(a);
  let s = num_to_i64(start), e = num_to_i64(stop);
  if (s < 0) s = 0;
  if (e > len) e = len;
  if (s >= e) return opa_array_with_cap(0);
  const n = <u32>(e - s);
  const r = opa_array_with_cap(n);
  memory.copy(coll_items(r), coll_items(a) + (<usize>s << 2), <usize>n << 2);
  store<u32>(r, n, 4);
  return r;
}

export function opa_builtin_array_reverse(a: usize): usize {
  if (vtype(a) != TYPE_ARRAY) return operand_error('array.reverse', 1, 'array', a);
  const n = coll_len(a);
  const r = opa_array_with_cap(n);
  for (let i: u32 = 0; i < n; i++) opa_array_append(r, arr_get(a, n - 1 - i));
  return r;
}

/** array.flatten(arr): one level of nested arrays spliced in; other elements kept. */
export function opa_builtin_array_flatten(a: usize): usize {
  if (vtype(a) != TYPE_ARRAY) return operand_error('array.flatten', 1, 'array', a);
  const n = coll_len(a);
  const r = opa_array_with_cap(n);
  for (let i: u32 = 0; i < n; i++) {
    const e = arr_get(a, i);
    if (vtype(e) == TYPE_ARRAY) {
      const m = coll_len(e);
      for (let j: u32 = 0; j < m; j++) opa_array_append(r, arr_get(e, j));
    } else opa_array_append(r, e);
  }
  return r;
}

// ---- objects -----------------------------------------------------------------------------------

/** object.get(obj, key, default): key may be an array path. */
export function opa_builtin_object_get(o: usize, key: usize, dflt: usize): usize {
  if (vtype(o) != TYPE_OBJECT) return operand_error('object.get', 1, 'object', o);
  if (vtype(key) == TYPE_ARRAY) {
    let cur = o;
    const n = coll_len(key);
    for (let i: u32 = 0; i < n; i++) {
      cur = opa_value_get(cur, arr_get(key, i));
      if (cur == 0) return dflt;
    }
    return cur;
  }
  const v = opa_object_get(o, key);
  return v != 0 ? v : dflt;
}

export function opa_builtin_object_keys(o: usize): usize {
  if (vtype(o) != TYPE_OBJECT) return operand_error('object.keys', 1, 'object', o);
  const r = opa_set();
  const n = coll_len(o);
  for (let i: u32 = 0; i < n; i++) opa_set_add(r, obj_key_at(o, i));
  return r;
}

/** The keys named by an array, set or object (its keys), as a set; 0 for other types. */
function key_set(k: usize): usize {
  const t = vtype(k);
  if (t == TYPE_SET) return k;
  const r = opa_set();
  const n = coll_len(k);
  if (t == TYPE_ARRAY) { for (let i: u32 = 0; i < n; i++) opa_set_add(r, arr_get(k, i)); return r; }
  if (t == TYPE_OBJECT) { for (let i: u32 = 0; i < n; i++) opa_set_add(r, obj_key_at(k, i)); return r; }
  return 0;
}

export function opa_builtin_object_remove(o: usize, keys: usize): usize {
  if (vtype(o) != TYPE_OBJECT) return operand_error('object.remove', 1, 'object', o);
  const ks = key_set(keys);
  if (ks == 0) return operand_error('object.remove', 2, 'one of {object, set, array}', keys);
  const r = opa_object();
  const n = coll_len(o);
  for (let i: u32 = 0; i < n; i++) {
    const k = obj_key_at(o, i);
    if (!opa_set_has(ks, k)) opa_object_insert(r, k, obj_val_at(o, i));
  }
  return r;
}

export function opa_builtin_object_filter(o: usize, keys: usize): usize {
  if (vtype(o) != TYPE_OBJECT) return operand_error('object.filter', 1, 'object', o);
  const ks = key_set(keys);
  if (ks == 0) return operand_error('object.filter', 2, 'one of {object, set, array}', keys);
  const r = opa_object();
  const n = coll_len(o);
  for (let i: u32 = 0; i < n; i++) {
    const k = obj_key_at(o, i);
    if (opa_set_has(ks, k)) opa_object_insert(r, k, obj_val_at(o, i));
  }
  return r;
}

/** Recursive merge where b wins, except that two objects under the same key are merged. */
function union2(a: usize, b: usize): usize {
  const r = opa_value_shallow_copy(a);
  const n = coll_len(b);
  for (let i: u32 = 0; i < n; i++) {
    const k = obj_key_at(b, i);
    const bv = obj_val_at(b, i);
    const j = opa_object_find(r, k);
    if (j >= 0) {
      const av = obj_val_at(r, <u32>j);
      if (vtype(av) == TYPE_OBJECT && vtype(bv) == TYPE_OBJECT) {
        opa_object_insert(r, k, union2(av, bv));
        continue;
      }
    }
    opa_object_insert(r, k, bv);
  }
  return r;
}

export function opa_builtin_object_union(a: usize, b: usize): usize {
  if (vtype(a) != TYPE_OBJECT) return operand_error('object.union', 1, 'object', a);
  if (vtype(b) != TYPE_OBJECT) return operand_error('object.union', 2, 'object', b);
  return union2(a, b);
}

export function opa_builtin_object_union_n(arr: usize): usize {
  if (vtype(arr) != TYPE_ARRAY) return operand_error('object.union_n', 1, 'array of objects', arr);
  let r = opa_object();
  const n = coll_len(arr);
  for (let i: u32 = 0; i < n; i++) {
    const o = arr_get(arr, i);
    if (vtype(o) != TYPE_OBJECT) return operand_error('object.union_n', 1, 'array of objects', o);
    r = union2(r, o);
  }
  return r;
}

// ---- membership (`in`) -------------------------------------------------------------------------

/** `x in coll`: element of an array or set, or value of an object. */
export function opa_builtin_internal_member_2(x: usize, c: usize): usize {
  const t = vtype(c);
  if (t == TYPE_SET) return opa_boolean(opa_set_has(c, x));
  if (t == TYPE_ARRAY) {
    const n = coll_len(c);
    for (let i: u32 = 0; i < n; i++) if (opa_value_equal(arr_get(c, i), x)) return opa_boolean(true);
    return opa_boolean(false);
  }
  if (t == TYPE_OBJECT) {
    const n = coll_len(c);
    for (let i: u32 = 0; i < n; i++) if (opa_value_equal(obj_val_at(c, i), x)) return opa_boolean(true);
    return opa_boolean(false);
  }
  return opa_boolean(false);
}

/** `k, v in coll`: coll[k] == v. */
export function opa_builtin_internal_member_3(k: usize, v: usize, c: usize): usize {
  const t = vtype(c);
  if (t != TYPE_SET && t != TYPE_ARRAY && t != TYPE_OBJECT) return opa_boolean(false);
  const e = opa_value_get(c, k);
  return opa_boolean(e != 0 && opa_value_equal(e, v));
}
