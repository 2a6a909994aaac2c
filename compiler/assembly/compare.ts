// OPA's total order over values: null < boolean < number < string < array < object < set; within a
// type: false < true, numbers numerically (exact), strings bytewise (UTF-8 = code point order),
// arrays element-wise then by length, objects by sorted (key, value) pairs, sets element-wise.

import {
  TYPE_NULL, TYPE_BOOLEAN, TYPE_NUMBER, TYPE_STRING, TYPE_ARRAY, TYPE_OBJECT, TYPE_SET,
  vtype, bool_get, str_len, str_ptr, coll_len, arr_get, obj_key_at, obj_val_at,
} from './value';
import { num_compare } from './number';

export function string_compare(a: usize, b: usize): i32 {
  const la = str_len(a), lb = str_len(b);
  const m = la < lb ? la : lb;
  const c = memory.compare(str_ptr(a), str_ptr(b), m);
  if (c != 0) return c < 0 ? -1 : 1;
  return la == lb ? 0 : (la < lb ? -1 : 1);
}

/** -1, 0 or 1. Undefined (0) sorts before everything. */
export function opa_value_compare(a: usize, b: usize): i32 {
  if (a == b) return 0;
  if (a == 0) return -1;
  if (b == 0) return 1;
  const ta = vtype(a), tb = vtype(b);
  if (ta != tb) return ta < tb ? -1 : 1;
  switch (ta) {
    case TYPE_NULL: return 0;
    case TYPE_BOOLEAN: {
      const x = <i32>bool_get(a), y = <i32>bool_get(b);
      return x == y ? 0 : (x < y ? -1 : 1);
    }
    case TYPE_NUMBER: return num_compare(a, b);
    case TYPE_STRING: return string_compare(a, b);
    case TYPE_ARRAY:
    case TYPE_SET: {
      const la = coll_len(a), lb = coll_len(b);
      const m = la < lb ? la : lb;
      for (let i: u32 = 0; i < m; i++) {
        const c = opa_value_compare(arr_get(a, i), arr_get(b, i));
        if (c != 0) return c;
      }
      return la == lb ? 0 : (la < lb ? -1 : 1);
    }
    case TYPE_OBJECT: {
      const la = coll_len(a), lb = coll_len(b);
      const m = la < lb ? la : lb;
      for (let i: u32 = 0; i < m; i++) {
        let c = opa_value_compare(obj_key_at(a, i), obj_key_at(b, i));
        if (c != 0) return c;
        c = opa_value_compare(obj_val_at(a, i), obj_val_at(b, i));
        if (c != 0) return c;
      }
      return la == lb ? 0 : (la < lb ? -1 : 1);
    }
  }
  return 0;
}

export function opa_value_equal(a: usize, b: usize): bool {
  if (a == b) return true;
  if (a == 0 || b == 0) return false;
  const ta = vtype(a);
  if (ta != vtype(b)) return false;
  if (ta == TYPE_STRING) {
    const l = str_len(a);
    return l == str_len(b) && memory.compare(str_ptr(a), str_ptr(b), l) == 0;
  }
  if (ta == TYPE_ARRAY || ta == TYPE_OBJECT || ta == TYPE_SET) {
    if (coll_len(a) != coll_len(b)) return false;
  }
  return opa_value_compare(a, b) == 0;
}
