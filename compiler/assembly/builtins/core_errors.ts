// Operand type errors of the core builtins. With strict builtin errors they abort with
// "eval_type_error: <name>: operand <i> must be <want> but got <type>"; without (OPA's default,
// the linker sets opa_rt_lenient_type_errors) the call is undefined, as in OPA's evaluator.
import { opa_abort } from '../abi';
import { malloc } from '../alloc';
import { put_call_loc } from './support/errors';

/**
 * 1 = operand type errors make the call undefined instead of halting (OPA's and regorus's
 * non-strict mode). An exported global whose initial value the linker sets to 1 unless the emit
 * option builtinErrors is 'strict'.
 */
export let opa_rt_lenient_type_errors: i32 = 0;

const MAX: usize = 300;
let buf: usize = 0;
let n: usize = 0;

function put(s: string): void {
  for (let i = 0; i < s.length && n < MAX; i++) {
    const c = s.charCodeAt(i);
    store<u8>(buf + n, <u8>(c >= 32 && c < 127 ? c : 63));
    n++;
  }
}

const TYPE_NAMES: string[] = ['undefined', 'null', 'boolean', 'number', 'string', 'array', 'object', 'set'];

function type_name(v: usize): string {
  const t = v == 0 ? 0 : <i32>load<u8>(v);
  return t >= 0 && t <= 7 ? unchecked(TYPE_NAMES[t]) : 'value';
}

function begin(name: string): void {
  buf = malloc(MAX + 1);
  n = put_call_loc(buf, 0, MAX);
  put('eval_type_error: ');
  put(name);
  put(': ');
}

function finish(): usize {
  if (opa_rt_lenient_type_errors != 0) return 0;
  store<u8>(buf + n, 0);
  opa_abort(buf);
  return 0;
}

export function operand_error(name: string, operand: i32, want: string, got: usize): usize {
  begin(name);
  put('operand ');
  put(operand == 1 ? '1' : operand == 2 ? '2' : operand == 3 ? '3' : '4');
  put(' must be ');
  put(want);
  put(' but got ');
  put(type_name(got));
  return finish();
}

/** A fixed eval_type_error message (e.g. "numbers.range: operand 1 must be integer"). */
export function type_error_msg(name: string, text: string): usize {
  begin(name);
  put(text);
  return finish();
}
