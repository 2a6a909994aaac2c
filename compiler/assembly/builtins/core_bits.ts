// bits.* on integers (two's complement, i64).
import { TYPE_NUMBER, vtype, num_is_int, num_to_i64, num_to_f64, opa_number_int, opa_number_float } from '../value';
import { operand_error, type_error_msg } from './core_errors';

function int_arg(name: string, i: i32, v: usize): bool {
  if (vtype(v) != TYPE_NUMBER) { operand_error(name, i, 'number', v); return false; }
  if (!num_is_int(v)) { type_error_msg(name, i == 1 ? 'operand 1 must be integer number but got floating-point number' : 'operand 2 must be integer number but got floating-point number'); return false; }
  return true;
}

export function opa_builtin_bits_and(a: usize, b: usize): usize {
  if (!int_arg('bits.and', 1, a) || !int_arg('bits.and', 2, b)) return 0;
  return opa_number_int(num_to_i64(a) & num_to_i64(b));
}
export function opa_builtin_bits_or(a: usize, b: usize): usize {
  if (!int_arg('bits.or', 1, a) || !int_arg('bits.or', 2, b)) return 0;
  return opa_number_int(num_to_i64(a) | num_to_i64(b));
}
export function opa_builtin_bits_xor(a: usize, b: usize): usize {
  if (!int_arg('bits.xor', 1, a) || !int_arg('bits.xor', 2, b)) return 0;
  return opa_number_int(num_to_i64(a) ^ num_to_i64(b));
}
export function opa_builtin_bits_negate(a: usize): usize {
  if (!int_arg('bits.negate', 1, a)) return 0;
  return opa_number_int(~num_to_i64(a));
}
export function opa_builtin_bits_lsh(a: usize, b: usize): usize {
  if (!big_int_arg('bits.lsh', 1, a) || !int_arg('bits.lsh', 2, b)) return 0;
  const s = num_to_i64(b);
  if (s < 0) return type_error_msg('bits.lsh', 'operand 2 must be an unsigned integer number but got a negative integer');
  if (num_is_int(a)) {
    const x = num_to_i64(a);
    if (s < 63 && (x == 0 || ((x << s) >> s) == x)) return opa_number_int(x << s);
  }
  // Beyond i64: a double (OPA uses big integers; JSON consumers see the same double).
  const f = num_to_f64(a) * Math.pow(2, <f64>s);
  return isFinite(f) ? opa_number_float(f) : 0;
}

/** An integral number, possibly beyond i64 (exact text kept as NUM_REF). */
function big_int_arg(name: string, i: i32, v: usize): bool {
  if (vtype(v) != TYPE_NUMBER) { operand_error(name, i, 'number', v); return false; }
  const f = num_to_f64(v);
  if (!num_is_int(v) && !(isFinite(f) && Math.floor(f) == f)) { type_error_msg(name, 'operand 1 must be integer number but got floating-point number'); return false; }
  return true;
}
export function opa_builtin_bits_rsh(a: usize, b: usize): usize {
  if (!int_arg('bits.rsh', 1, a) || !int_arg('bits.rsh', 2, b)) return 0;
  const s = num_to_i64(b);
  if (s < 0) return type_error_msg('bits.rsh', 'operand 2 must be an unsigned integer number but got a negative integer');
  const x = num_to_i64(a);
  return opa_number_int(s >= 63 ? (x < 0 ? -1 : 0) : x >> s);
}
