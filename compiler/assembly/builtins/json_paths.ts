// json.filter and json.remove: keep or drop the values at JSON-pointer-like paths ("a/b/0" or
// ["a", "b", "0"]). Paths become a tree of objects with null leaves, as OPA's pathsToObject builds.
import { malloc } from '../alloc';
import {
  TYPE_OBJECT, TYPE_ARRAY, TYPE_SET, TYPE_NULL, TYPE_STRING, vtype, coll_len, arr_get, set_get, obj_key_at, obj_val_at,
  opa_object, opa_set, opa_null, opa_string, opa_array_with_cap,
} from '../value';
import { opa_array_append, opa_object_get, opa_object_insert, opa_set_add } from '../collections';
import { sp, sl } from './support/text';
import { split_pointer } from './support/json_pointer';
import { type_error, type_name_of, err_begin, err_str, err_end } from './support/errors';

/** A string value holding the decimal text of i (array index keys in the path tree). */
export function index_key(i: u32): usize {
  const buf = malloc(12);
  let n: usize = 0;
  let d: u32 = 1;
  while (i / d >= 10) d *= 10;
  while (d > 0) {
    store<u8>(buf + n, <u8>(48 + (i / d) % 10));
    n++;
    d /= 10;
  }
  return opa_string(buf, <u32>n);
}

/** Builds the path tree from operand 2 (array or set of string paths / segment arrays); 0 on error. */
export function path_tree(name: string, paths: usize): usize {
  const t = vtype(paths);
  if (t != TYPE_ARRAY && t != TYPE_SET) return type_error(name, 2, 'one of {set, array}', paths);
  const root = opa_object();
  const n = coll_len(paths);
  for (let i: u32 = 0; i < n; i++) {
    const e = t == TYPE_ARRAY ? arr_get(paths, i) : set_get(paths, i);
    let segs: usize;
    const et = vtype(e);
    if (et == TYPE_STRING) segs = split_pointer(e);
    else if (et == TYPE_ARRAY) segs = e;
    else {
      err_begin('eval_type_error');
      err_str(name);
      err_str(': operand 2 must be one of {set, array} containing string paths or array of path segments but got ');
      err_str(type_name_of(e));
      return err_end();
    }
    const len = coll_len(segs);
    if (len == 0) continue;
    let node = root;
    let done = false;
    for (let k: u32 = 0; k + 1 < len && !done; k++) {
      const key = arr_get(segs, k);
      const child = opa_object_get(node, key);
      if (child == 0) {
        const obj = opa_object();
        opa_object_insert(node, key, obj);
        node = obj;
      } else if (vtype(child) == TYPE_NULL) done = true;
      else node = child;
    }
    if (!done) opa_object_insert(node, arr_get(segs, len - 1), opa_null());
  }
  return root;
}

function filter_value(o: usize, filter: usize): usize {
  if (vtype(filter) == TYPE_NULL) return o;
  const t = vtype(o);
  if (t == TYPE_ARRAY) {
    const out = opa_array_with_cap(4);
    const n = coll_len(o);
    for (let i: u32 = 0; i < n; i++) {
      const sub = opa_object_get(filter, index_key(i));
      if (sub != 0) opa_array_append(out, filter_value(arr_get(o, i), sub));
    }
    return out;
  }
  if (t == TYPE_SET) {
    const out = opa_set();
    const n = coll_len(o);
    for (let i: u32 = 0; i < n; i++) {
      const sub = opa_object_get(filter, set_get(o, i));
      if (sub != 0) opa_set_add(out, filter_value(set_get(o, i), sub));
    }
    return out;
  }
  if (t == TYPE_OBJECT) {
    const out = opa_object();
    const n = coll_len(o);
    for (let i: u32 = 0; i < n; i++) {
      const sub = opa_object_get(filter, obj_key_at(o, i));
      if (sub != 0) opa_object_insert(out, obj_key_at(o, i), filter_value(obj_val_at(o, i), sub));
    }
    return out;
  }
  return o;
}

export function opa_builtin_json_filter(o: usize, paths: usize): usize {
  if (vtype(o) != TYPE_OBJECT) return type_error('json.filter', 1, 'object', o);
  const tree = path_tree('json.filter', paths);
  if (tree == 0) return 0;
  return filter_value(o, tree);
}

// Returns the value with the tree's paths removed, or 0 when the value itself is removed.
function remove_value(a: usize, b: usize): usize {
  if (b == 0) return a;
  if (vtype(b) == TYPE_NULL) return 0;
  const t = vtype(a);
  if (t == TYPE_OBJECT) {
    const out = opa_object();
    const n = coll_len(a);
    for (let i: u32 = 0; i < n; i++) {
      const d = remove_value(obj_val_at(a, i), opa_object_get(b, obj_key_at(a, i)));
      if (d != 0) opa_object_insert(out, obj_key_at(a, i), d);
    }
    return out;
  }
  if (t == TYPE_SET) {
    const out = opa_set();
    const n = coll_len(a);
    for (let i: u32 = 0; i < n; i++) {
      const d = remove_value(set_get(a, i), opa_object_get(b, set_get(a, i)));
      if (d != 0) opa_set_add(out, d);
    }
    return out;
  }
  if (t == TYPE_ARRAY) {
    const out = opa_array_with_cap(coll_len(a));
    const n = coll_len(a);
    for (let i: u32 = 0; i < n; i++) {
      const d = remove_value(arr_get(a, i), opa_object_get(b, index_key(i)));
      if (d != 0) opa_array_append(out, d);
    }
    return out;
  }
  return a;
}

export function opa_builtin_json_remove(o: usize, paths: usize): usize {
  if (vtype(o) != TYPE_OBJECT) return type_error('json.remove', 1, 'object', o);
  const tree = path_tree('json.remove', paths);
  if (tree == 0) return 0;
  const r = remove_value(o, tree);
  return r;
}
