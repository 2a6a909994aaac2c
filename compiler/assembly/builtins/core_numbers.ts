// Arithmetic builtins. Integers stay exact in i64 (overflow falls back to doubles); anything else
// computes in doubles. Errors (division by zero, non-integer modulo, non-finite results) make the
// call undefined, as OPA's non-strict evaluation does.
import { operand_error, type_error_msg } from './core_errors';
import {
  TYPE_NUMBER, TYPE_SET, vtype, num_is_int, num_to_i64, num_to_f64, opa_number_int, opa_number_float,
  coll_len, arr_get, opa_array_with_cap, opa_set,
} from '../value';
import { opa_array_append, opa_set_has, opa_set_add } from '../collections';
import { builtin_error } from './support/errors';

function isnum(v: usize): bool { return vtype(v) == TYPE_NUMBER; }

function float(f: f64): usize {
  return isFinite(f) ? opa_number_float(f) : 0;
}

export function opa_builtin_plus(a: usize, b: usize): usize {
  if (!isnum(a)) return operand_error('plus', 1, 'number', a);
  if (!isnum(b)) return operand_error('plus', 2, 'number', b);
  if (num_is_int(a) && num_is_int(b)) {
    const x = num_to_i64(a), y = num_to_i64(b);
    const r = x + y;
    if (((x ^ r) & (y ^ r)) >= 0) return opa_number_int(r);
  }
  return float(num_to_f64(a) + num_to_f64(b));
}

/** `-`: numbers subtract; sets take the difference. */
export function opa_builtin_minus(a: usize, b: usize): usize {
  if (vtype(a) == TYPE_SET && vtype(b) == TYPE_SET) {
    const r = opa_set();
    const n = coll_len(a);
    for (let i: u32 = 0; i < n; i++) {
      const e = arr_get(a, i);
      if (!opa_set_has(b, e)) opa_set_add(r, e);
    }
    return r;
  }
  if (vtype(a) == TYPE_SET) return operand_error('minus', 2, 'set', b);
  if (!isnum(a)) return operand_error('minus', 1, 'one of {number, set}', a);
  if (!isnum(b)) return operand_error('minus', 2, 'number', b);
  if (num_is_int(a) && num_is_int(b)) {
    const x = num_to_i64(a), y = num_to_i64(b);
    const r = x - y;
    if (((x ^ y) & (x ^ r)) >= 0) return opa_number_int(r);
  }
  return float(num_to_f64(a) - num_to_f64(b));
}

export function opa_builtin_mul(a: usize, b: usize): usize {
  if (!isnum(a)) return operand_error('mul', 1, 'number', a);
  if (!isnum(b)) return operand_error('mul', 2, 'number', b);
  if (num_is_int(a) && num_is_int(b)) {
    const x = num_to_i64(a), y = num_to_i64(b);
    const ax = x < 0 ? -x : x, ay = y < 0 ? -y : y;
    if (ax < 3037000499 && ay < 3037000499) return opa_number_int(x * y);
  }
  return float(num_to_f64(a) * num_to_f64(b));
}

export function opa_builtin_div(a: usize, b: usize): usize {
  if (!isnum(a)) return operand_error('div', 1, 'number', a);
  if (!isnum(b)) return operand_error('div', 2, 'number', b);
  const d = num_to_f64(b);
  if (d == 0) return builtin_error('div', 'divide by zero');
  if (num_is_int(a) && num_is_int(b)) {
    const x = num_to_i64(a), y = num_to_i64(b);
    if (y != 0 && x % y == 0) return opa_number_int(x / y);
  }
  return float(num_to_f64(a) / d);
}

export function opa_builtin_rem(a: usize, b: usize): usize {
  if (!isnum(a)) return operand_error('rem', 1, 'number', a);
  if (!isnum(b)) return operand_error('rem', 2, 'number', b);
  if (!num_is_int(a) || !num_is_int(b)) return builtin_error('rem', 'modulo on floating-point number');
  const y = num_to_i64(b);
  if (y == 0) return builtin_error('rem', 'modulo by zero');
  return opa_number_int(num_to_i64(a) % y);
}

export function opa_builtin_abs(a: usize): usize {
  if (!isnum(a)) return operand_error('abs', 1, 'number', a);
  if (num_is_int(a)) {
    const x = num_to_i64(a);
    if (x != i64.MIN_VALUE) return opa_number_int(x < 0 ? -x : x);
  }
  return float(Math.abs(num_to_f64(a)));
}

/** Rounds half away from zero (Go's math.Round, as OPA). */
export function opa_builtin_round(a: usize): usize {
  if (!isnum(a)) return operand_error('round', 1, 'number', a);
  if (num_is_int(a)) return a;
  const f = num_to_f64(a);
  const r = Math.floor(Math.abs(f) + 0.5);
  return float(f < 0 ? -r : r);
}

export function opa_builtin_ceil(a: usize): usize {
  if (!isnum(a)) return operand_error('ceil', 1, 'number', a);
  if (num_is_int(a)) return a;
  return float(Math.ceil(num_to_f64(a)));
}

export function opa_builtin_floor(a: usize): usize {
  if (!isnum(a)) return operand_error('floor', 1, 'number', a);
  if (num_is_int(a)) return a;
  return float(Math.floor(num_to_f64(a)));
}

/** numbers.range(a, b): integers from a to b inclusive, descending when a > b. */
export function opa_builtin_numbers_range(a: usize, b: usize): usize {
  if (!isnum(a)) return operand_error('numbers.range', 1, 'number', a);
  if (!isnum(b)) return operand_error('numbers.range', 2, 'number', b);
  if (!num_is_int(a)) return type_error_msg('numbers.range', 'operand 1 must be integer number but got floating-point number');
  if (!num_is_int(b)) return type_error_msg('numbers.range', 'operand 2 must be integer number but got floating-point number');
  const x = num_to_i64(a), y = num_to_i64(b);
  const n = x <= y ? y - x + 1 : x - y + 1;
  if (n > 100000000) return 0;
  const r = opa_array_with_cap(<u32>n);
  if (x <= y) for (let i = x; i <= y; i++) opa_array_append(r, opa_number_int(i));
  else for (let i = x; i >= y; i--) opa_array_append(r, opa_number_int(i));
  return r;
}

/** numbers.range_step(a, b, step): like numbers.range with a positive integer step. */
export function opa_builtin_numbers_range_step(a: usize, b: usize, s: usize): usize {
  if (!isnum(a)) return operand_error('numbers.range_step', 1, 'number', a);
  if (!isnum(b)) return operand_error('numbers.range_step', 2, 'number', b);
  if (!isnum(s)) return operand_error('numbers.range_step', 3, 'number', s);
  if (!num_is_int(a)) return type_error_msg('numbers.range_step', 'operand 1 must be integer');
  if (!num_is_int(b)) return type_error_msg('numbers.range_step', 'operand 2 must be integer');
  if (num_to_f64(s) <= 0) return builtin_error('numbers.range_step', 'step must be a positive integer');
  const x = num_to_i64(a), y = num_to_i64(b);
  // A step beyond i64 (e.g. 99999999999999999999) only ever yields the start.
  const st: i64 = num_is_int(s) ? num_to_i64(s) : i64.MAX_VALUE;
  if (!num_is_int(s) && Math.floor(num_to_f64(s)) != num_to_f64(s)) return type_error_msg('numbers.range_step', 'operand 3 must be integer');
  const r = opa_array_with_cap(0);
  // Step without overflow: stop when the remaining distance is below the step.
  let i = x;
  while (true) {
    opa_array_append(r, opa_number_int(i));
    if (x <= y) { if (y - i < st) break; i += st; } else { if (i - y < st) break; i -= st; }
  }
  return r;
}
