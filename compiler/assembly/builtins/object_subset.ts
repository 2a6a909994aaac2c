// object.subset(super, sub): whether sub is contained in super. Objects: every key of sub is in
// super with a contained value (recursively, as OPA documents: {"c": {"x": {10, 15}}} is a subset
// of {"a": 1, "c": {"x": {10, 15, 20}}}); sets: every member of sub is in super; arrays: sub's
// elements appear in super in the same order; an array super and a set sub: every member of sub
// is an element of super. Other combinations are an operand type error.
import { type_error_msg } from './core_errors';
import { TYPE_ARRAY, TYPE_OBJECT, TYPE_SET, vtype, coll_len, arr_get, obj_key_at, obj_val_at, opa_boolean } from '../value';
import { opa_object_get, opa_set_has } from '../collections';
import { opa_value_equal } from '../compare';

function contains(sup: usize, sub: usize): bool {
  const ts = vtype(sup);
  const tb = vtype(sub);
  if (ts == TYPE_OBJECT && tb == TYPE_OBJECT) {
    const n = coll_len(sub);
    for (let i: u32 = 0; i < n; i++) {
      const v = opa_object_get(sup, obj_key_at(sub, i));
      if (v == 0 || !value_contains(v, obj_val_at(sub, i))) return false;
    }
    return true;
  }
  if (ts == TYPE_SET && tb == TYPE_SET) {
    const n = coll_len(sub);
    for (let i: u32 = 0; i < n; i++) if (!opa_set_has(sup, arr_get(sub, i))) return false;
    return true;
  }
  if (ts == TYPE_ARRAY && tb == TYPE_ARRAY) {
    const n = coll_len(sub);
    const m = coll_len(sup);
    let j: u32 = 0;
    for (let i: u32 = 0; i < n; i++) {
      const want = arr_get(sub, i);
      while (j < m && !opa_value_equal(arr_get(sup, j), want)) j++;
      if (j == m) return false;
      j++;
    }
    return true;
  }
  if (ts == TYPE_ARRAY && tb == TYPE_SET) {
    const n = coll_len(sub);
    const m = coll_len(sup);
    for (let i: u32 = 0; i < n; i++) {
      const want = arr_get(sub, i);
      let found = false;
      for (let j: u32 = 0; j < m && !found; j++) found = opa_value_equal(arr_get(sup, j), want);
      if (!found) return false;
    }
    return true;
  }
  return false;
}

/** Values under a shared key: nested collections of the same kind are compared by containment. */
function value_contains(sup: usize, sub: usize): bool {
  const ts = vtype(sup);
  const tb = vtype(sub);
  if (ts == tb && (ts == TYPE_OBJECT || ts == TYPE_SET)) return contains(sup, sub);
  return opa_value_equal(sup, sub);
}

export function opa_builtin_object_subset(sup: usize, sub: usize): usize {
  const ts = vtype(sup);
  const tb = vtype(sub);
  const ok = (ts == TYPE_OBJECT && tb == TYPE_OBJECT) || (ts == TYPE_SET && tb == TYPE_SET)
    || (ts == TYPE_ARRAY && (tb == TYPE_ARRAY || tb == TYPE_SET));
  if (!ok) return type_error_msg('object.subset', 'both arguments must be objects, sets or arrays (or an array and a set)');
  return opa_boolean(contains(sup, sub));
}
