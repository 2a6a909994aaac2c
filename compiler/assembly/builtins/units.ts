// units.parse and units.parse_bytes (exact decimal results; see lib/units.ts).
import { opa_number_parse } from '../number';
import { units_parse, units_result, U_OK, U_NO_AMOUNT, U_BAD_NUMBER, U_SPACES } from '../lib/units';
import { get_out_len } from '../lib/alloc';
import { is_str, sp, sl } from './support/text';
import { type_error, builtin_error } from './support/errors';

function run(name: string, v: usize, bytes: bool): usize {
  if (!is_str(v)) return type_error(name, 1, 'string', v);
  const r = units_parse(sp(v), sl(v), bytes);
  if (r == U_OK) {
    const n = opa_number_parse(units_result(), <u32>get_out_len());
    if (n != 0) return n;
    return builtin_error(name, bytes ? 'could not parse byte amount to a number' : 'could not parse amount to a number');
  }
  if (r == U_NO_AMOUNT) return builtin_error(name, bytes ? 'no byte amount provided' : 'no amount provided');
  if (r == U_BAD_NUMBER) return builtin_error(name, bytes ? 'could not parse byte amount to a number' : 'could not parse amount to a number');
  if (r == U_SPACES) return builtin_error(name, 'spaces not allowed in resource strings');
  return builtin_error(name, 'unknown unit');
}

export function opa_builtin_units_parse(v: usize): usize {
  return run('units.parse', v, false);
}

export function opa_builtin_units_parse_bytes(v: usize): usize {
  return run('units.parse_bytes', v, true);
}
