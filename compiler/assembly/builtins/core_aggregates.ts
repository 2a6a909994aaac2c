// Aggregates: count, sum, product, max, min, sort.
import { operand_error } from './core_errors';
import {
  TYPE_NUMBER, TYPE_STRING, TYPE_ARRAY, TYPE_OBJECT, TYPE_SET, vtype, coll_len, arr_get, coll_items,
  opa_number_int, str_len, str_ptr, opa_array_with_cap,
} from '../value';
import { utf8_count } from '../collections';
import { opa_value_compare } from '../compare';
import { opa_builtin_plus, opa_builtin_mul } from './core_numbers';

function is_array_or_set(v: usize): bool {
  const t = vtype(v);
  return t == TYPE_ARRAY || t == TYPE_SET;
}

export function opa_builtin_count(v: usize): usize {
  const t = vtype(v);
  if (t == TYPE_ARRAY || t == TYPE_OBJECT || t == TYPE_SET) return opa_number_int(<i64>coll_len(v));
  if (t == TYPE_STRING) return opa_number_int(<i64>utf8_count(str_ptr(v), str_len(v)));
  return operand_error('count', 1, 'one of {array, object, set, string}', v);
}

export function opa_builtin_sum(v: usize): usize {
  if (!is_array_or_set(v)) return operand_error('sum', 1, 'one of {array, set}', v);
  let acc = opa_number_int(0);
  const n = coll_len(v);
  for (let i: u32 = 0; i < n; i++) {
    const e = arr_get(v, i);
    if (vtype(e) != TYPE_NUMBER) return operand_error('sum', 1, 'one of {array, set} of numbers', e);
    acc = opa_builtin_plus(acc, e);
    if (acc == 0) return 0;
  }
  return acc;
}

export function opa_builtin_product(v: usize): usize {
  if (!is_array_or_set(v)) return operand_error('product', 1, 'one of {array, set}', v);
  let acc = opa_number_int(1);
  const n = coll_len(v);
  for (let i: u32 = 0; i < n; i++) {
    const e = arr_get(v, i);
    if (vtype(e) != TYPE_NUMBER) return operand_error('product', 1, 'one of {array, set} of numbers', e);
    acc = opa_builtin_mul(acc, e);
    if (acc == 0) return 0;
  }
  return acc;
}

export function opa_builtin_max(v: usize): usize {
  if (!is_array_or_set(v)) return operand_error('max', 1, 'one of {array, set}', v);
  const n = coll_len(v);
  if (n == 0) return 0;
  let best = arr_get(v, 0);
  for (let i: u32 = 1; i < n; i++) {
    const e = arr_get(v, i);
    if (opa_value_compare(e, best) > 0) best = e;
  }
  return best;
}

export function opa_builtin_min(v: usize): usize {
  if (!is_array_or_set(v)) return operand_error('min', 1, 'one of {array, set}', v);
  const n = coll_len(v);
  if (n == 0) return 0;
  let best = arr_get(v, 0);
  for (let i: u32 = 1; i < n; i++) {
    const e = arr_get(v, i);
    if (opa_value_compare(e, best) < 0) best = e;
  }
  return best;
}

/** sort(array|set): a sorted array (stable merge sort over element addresses). */
export function opa_builtin_sort(v: usize): usize {
  if (!is_array_or_set(v)) return operand_error('sort', 1, 'one of {array, set}', v);
  const n = coll_len(v);
  const r = opa_array_with_cap(n);
  if (n == 0) return r;
  const dst = coll_items(r);
  memory.copy(dst, coll_items(v), <usize>n << 2);
  store<u32>(r, n, 4);
  if (vtype(v) == TYPE_SET) return r; // sets are kept sorted
  const tmp = opa_array_with_cap(n);
  merge_sort(dst, coll_items(tmp), n);
  return r;
}

function merge_sort(a: usize, tmp: usize, n: u32): void {
  for (let width: u32 = 1; width < n; width *= 2) {
    for (let lo: u32 = 0; lo < n; lo += 2 * width) {
      const mid = lo + width < n ? lo + width : n;
      const hi = lo + 2 * width < n ? lo + 2 * width : n;
      let i = lo, j = mid, k = lo;
      while (i < mid && j < hi) {
        const x = load<u32>(a + (<usize>i << 2)), y = load<u32>(a + (<usize>j << 2));
        if (opa_value_compare(<usize>y, <usize>x) < 0) { store<u32>(tmp + (<usize>k << 2), y); j++; }
        else { store<u32>(tmp + (<usize>k << 2), x); i++; }
        k++;
      }
      while (i < mid) { store<u32>(tmp + (<usize>k << 2), load<u32>(a + (<usize>i << 2))); i++; k++; }
      while (j < hi) { store<u32>(tmp + (<usize>k << 2), load<u32>(a + (<usize>j << 2))); j++; k++; }
    }
    memory.copy(a, tmp, <usize>n << 2);
  }
}
