// Type builtins and to_number.
import { operand_error, type_error_msg } from './core_errors';
import { builtin_error } from './support/errors';
import {
  TYPE_NULL, TYPE_BOOLEAN, TYPE_NUMBER, TYPE_STRING, TYPE_ARRAY, TYPE_OBJECT, TYPE_SET, vtype, bool_get,
  opa_boolean, opa_number_int, opa_string, str_len, str_ptr, opa_object,
} from '../value';
import { opa_number_parse } from '../number';

export function opa_builtin_is_number(v: usize): usize { return opa_boolean(vtype(v) == TYPE_NUMBER); }
export function opa_builtin_is_string(v: usize): usize { return opa_boolean(vtype(v) == TYPE_STRING); }
export function opa_builtin_is_boolean(v: usize): usize { return opa_boolean(vtype(v) == TYPE_BOOLEAN); }
export function opa_builtin_is_array(v: usize): usize { return opa_boolean(vtype(v) == TYPE_ARRAY); }
export function opa_builtin_is_set(v: usize): usize { return opa_boolean(vtype(v) == TYPE_SET); }
export function opa_builtin_is_object(v: usize): usize { return opa_boolean(vtype(v) == TYPE_OBJECT); }
export function opa_builtin_is_null(v: usize): usize { return opa_boolean(vtype(v) == TYPE_NULL); }

// "null" "boolean" "number" "string" "array" "object" "set", concatenated; offsets/lengths by tag.
const NAMES: usize = memory.data<u8>([
  110, 117, 108, 108, 98, 111, 111, 108, 101, 97, 110, 110, 117, 109, 98, 101, 114, 115, 116, 114, 105, 110, 103,
  97, 114, 114, 97, 121, 111, 98, 106, 101, 99, 116, 115, 101, 116,
]);
const NAME_OFF: usize = memory.data<u8>([0, 0, 4, 11, 17, 23, 28, 34]);
const NAME_LEN: usize = memory.data<u8>([0, 4, 7, 6, 6, 5, 6, 3]);

export function opa_builtin_type_name(v: usize): usize {
  const t = <usize>vtype(v);
  if (t < 1 || t > 7) return 0;
  return opa_string(NAMES + <usize>load<u8>(NAME_OFF + t), <u32>load<u8>(NAME_LEN + t));
}

function lower(c: u32): u32 {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

function word_at(p: usize, n: usize, w: string): bool {
  if (n != <usize>w.length) return false;
  for (let i: usize = 0; i < n; i++) if (lower(load<u8>(p + i)) != <u32>w.charCodeAt(<i32>i)) return false;
  return true;
}

function is_non_finite_word(p: usize, n: usize): bool {
  if (n > 0 && load<u8>(p) == 45) { p++; n--; }
  return word_at(p, n, 'nan') || word_at(p, n, 'inf') || word_at(p, n, 'infinity');
}

/** to_number: numbers as is, null → 0, booleans → 0/1, numeric strings parsed; else undefined. */
export function opa_builtin_to_number(v: usize): usize {
  const t = vtype(v);
  if (t == TYPE_NUMBER) return v;
  if (t == TYPE_NULL) return opa_number_int(0);
  if (t == TYPE_BOOLEAN) return opa_number_int(bool_get(v) ? 1 : 0);
  if (t == TYPE_STRING) {
    let p = str_ptr(v);
    let n = str_len(v);
    if (n > 0 && load<u8>(p) == 43) { p++; n--; } // leading '+'
    const r = opa_number_parse(p, n);
    if (r != 0) return r;
    // Go parses "NaN"/"Inf"/"Infinity" as floats that are no JSON number: OPA reports a type error.
    if (is_non_finite_word(p, n)) return type_error_msg('to_number', 'operand 1 must be a finite number string');
    return builtin_error('to_number', 'invalid syntax');
  }
  return operand_error('to_number', 1, 'one of {null, boolean, number, string}', v);
}

/** opa.runtime(): OPA's runtime information; a compiled policy has none to report (OPA's wasm: {}). */
export function opa_builtin_opa_runtime(): usize {
  return opa_object();
}
