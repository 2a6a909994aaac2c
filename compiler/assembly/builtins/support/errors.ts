// Builtin errors. OPA (and its WASM target) makes a failing builtin call undefined by default; with
// strict builtin errors (opa eval --strict-builtin-errors, the conformance cases' strict_error) the
// evaluation fails with the message, which starts with OPA's code ("eval_builtin_error: …",
// "eval_type_error: …"). Builtins build the message here and `return err_end()`.
import { opa_abort } from '../../abi';
import { malloc } from '../../alloc';

/**
 * 1 = strict builtin errors. An exported global so the linker can set its initial value the way it
 * sets opa_rt_heap_ptr (compile option, like `opa eval --strict-builtin-errors`); 0 by default.
 */
export let opa_rt_strict_builtin_errors: i32 = 0;

/** Turns strict builtin errors on (1) or off (0) at run time (tests, hosts). */
export function opa_rt_set_strict_builtin_errors(on: i32): void {
  opa_rt_strict_builtin_errors = on != 0 ? 1 : 0;
}

/**
 * Where the builtin being called appears in the policy: a NUL-terminated `file:row:col: ` the
 * generated code stores before each builtin call when strict (0 = unknown). A strict error starts
 * with it, as OPA's do (`policy.rego:3:7: eval_type_error: count: operand 1 must be …`). Exported so
 * the host can prefix the errors of the builtins it implements the same way.
 */
export let opa_rt_call_loc: usize = 0;

/** Appends the call's location (opa_rt_call_loc), if known, to a message being built at p. */
export function put_call_loc(p: usize, at: usize, max: usize): usize {
  const loc = opa_rt_call_loc;
  if (loc == 0) return at;
  for (let i: usize = 0; at < max; i++) {
    const c = load<u8>(loc + i);
    if (c == 0) break;
    store<u8>(p + at, c >= 32 && c < 127 ? c : 63);
    at++;
  }
  return at;
}

const MAX: usize = 480;
let buf: usize = 0;
let n: usize = 0;

/** Starts a builtin error message; it carries OPA's code (eval_builtin_error unless told). */
export function err_begin(code: string = 'eval_builtin_error'): void {
  buf = malloc(MAX + 1);
  n = put_call_loc(buf, 0, MAX);
  err_str(code);
  err_str(': ');
}

function put(c: i32): void {
  if (n < MAX) {
    // opa_abort messages are decoded byte by byte by the SDK: keep them ASCII.
    store<u8>(buf + n, <u8>(c >= 32 && c < 127 ? c : 63));
    n++;
  }
}

/** Appends an AS string literal. */
export function err_str(s: string): void {
  for (let i = 0; i < s.length; i++) put(s.charCodeAt(i));
}

export function err_char(c: i32): void {
  put(c);
}

/** Appends raw bytes (user text). */
export function err_bytes(p: usize, len: usize): void {
  for (let i: usize = 0; i < len; i++) put(load<u8>(p + i));
}

export function err_int(v: i64): void {
  if (v < 0) {
    put(45);
    v = -v;
  }
  let d: i64 = 1;
  while (v / d >= 10) d *= 10;
  while (d > 0) {
    put(<i32>((v / d) % 10) + 48);
    d /= 10;
  }
}

/** Finishes the message: aborts in strict mode, else returns 0 (undefined) for the builtin. */
export function err_end(): usize {
  if (opa_rt_strict_builtin_errors != 0) {
    store<u8>(buf + n, 0);
    opa_abort(buf);
  }
  return 0;
}

/** Shorthand for a fixed message: "<name>: <msg>". */
export function builtin_error(name: string, msg: string): usize {
  err_begin();
  err_str(name);
  err_str(': ');
  err_str(msg);
  return err_end();
}

/** "<name>: operand <i> must be <want> but got <type>" (OPA's type error wording). */
export function type_error(name: string, operand: i32, want: string, got: usize): usize {
  err_begin('eval_type_error');
  err_str(name);
  err_str(': operand ');
  err_int(operand);
  err_str(' must be ');
  err_str(want);
  err_str(' but got ');
  err_str(type_name_of(got));
  return err_end();
}

export function type_name_of(v: usize): string {
  const t = load<u8>(v);
  if (t == 1) return 'null';
  if (t == 2) return 'boolean';
  if (t == 3) return 'number';
  if (t == 4) return 'string';
  if (t == 5) return 'array';
  if (t == 6) return 'object';
  return 'set';
}
