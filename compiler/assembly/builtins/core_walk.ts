// walk(x): every [path, value] pair of x in pre-order (x itself first, with path []). A relation:
// the planner scans the returned array.
import {
  TYPE_ARRAY, TYPE_OBJECT, TYPE_SET, vtype, coll_len, arr_get, obj_key_at, obj_val_at, opa_array_with_cap,
  opa_number_int, coll_items,
} from '../value';
import { opa_array_append } from '../collections';

function with_key(path: usize, k: usize): usize {
  const n = coll_len(path);
  const p = opa_array_with_cap(n + 1);
  if (n > 0) memory.copy(coll_items(p), coll_items(path), <usize>n << 2);
  store<u32>(p, n, 4);
  opa_array_append(p, k);
  return p;
}

function visit(out: usize, path: usize, v: usize): void {
  const pair = opa_array_with_cap(2);
  opa_array_append(pair, path);
  opa_array_append(pair, v);
  opa_array_append(out, pair);
  const t = vtype(v);
  const n = coll_len(v);
  if (t == TYPE_ARRAY) for (let i: u32 = 0; i < n; i++) visit(out, with_key(path, opa_number_int(<i64>i)), arr_get(v, i));
  else if (t == TYPE_OBJECT) for (let i: u32 = 0; i < n; i++) visit(out, with_key(path, obj_key_at(v, i)), obj_val_at(v, i));
  else if (t == TYPE_SET) for (let i: u32 = 0; i < n; i++) visit(out, with_key(path, arr_get(v, i)), arr_get(v, i));
}

export function opa_builtin_walk(x: usize): usize {
  const out = opa_array_with_cap(8);
  visit(out, opa_array_with_cap(0), x);
  return out;
}
