// The OPA WASM ABI surface the SDK calls (ABI 1.2): versions, opa_eval fast path, the eval context
// of the slow path, abort plumbing. The policy itself is linked in by the emitter: it replaces the
// import `env.opa_rt_policy_eval` below with a generated function.

import { opa_heap_ptr_set } from './alloc';
import { opa_json_parse, opa_json_dump } from './json';
import { malloc } from './alloc';

export const opa_wasm_abi_version: i32 = 1;
export const opa_wasm_abi_minor_version: i32 = 2;

@external('env', 'opa_abort')
declare function host_abort(msg: usize): void;

@external('env', 'opa_println')
declare function host_println(msg: usize): void;

/** Evaluates entrypoint `ep`; returns the result set value. Replaced by the emitter. */
@external('env', 'opa_rt_policy_eval')
declare function policy_eval(ep: i32, input: usize, data: usize): usize;

/** Aborts evaluation with a NUL-terminated ASCII message; the SDK throws it as a string. */
export function opa_abort(msg: usize): void {
  host_abort(msg);
  unreachable();
}

export function opa_println(msg: usize): void {
  host_println(msg);
}

/**
 * Aborts with `<file>:<row>:<col>: <msg>` (file and msg NUL-terminated ASCII): generated code
 * passes the parts, so a policy holds each file name and message once rather than one whole
 * text per place that can conflict.
 */
export function opa_rt_abort_at(file: usize, row: i32, col: i32, msg: usize): void {
  const fl = cstrlen(file);
  const ml = cstrlen(msg);
  const out = malloc(fl + ml + 28);
  memory.copy(out, file, fl);
  let n = fl;
  store<u8>(out + n++, 58); // ':'
  n = putDecimal(out, n, row);
  store<u8>(out + n++, 58);
  n = putDecimal(out, n, col);
  store<u8>(out + n++, 58);
  store<u8>(out + n++, 32);
  memory.copy(out + n, msg, ml);
  store<u8>(out + n + ml, 0);
  host_abort(out);
  unreachable();
}

function cstrlen(s: usize): usize {
  let n: usize = 0;
  while (load<u8>(s + n) != 0) n++;
  return n;
}

/** Writes v (≥ 0) in decimal at out + n; returns the new length. */
function putDecimal(out: usize, n: usize, v: i32): usize {
  if (v < 0) v = 0;
  let digits: usize = 1;
  for (let t = v; t >= 10; t /= 10) digits++;
  let t = v;
  for (let i = digits; i > 0; i--) {
    store<u8>(out + n + i - 1, <u8>(48 + t % 10));
    t /= 10;
  }
  return n + digits;
}

const ABORT_BUF: usize = memory.data(256);

/** Target of asc's `abort` (--use abort=…): narrows the UTF-16 message to ASCII for opa_abort. */
export function rt_abort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  let n: i32 = 0;
  if (message !== null) {
    const p = changetype<usize>(message);
    const len = message.length;
    for (let i = 0; i < len && n < 255; i++) {
      const c = load<u16>(p + (<usize>i << 1));
      store<u8>(ABORT_BUF + n, c < 128 && c >= 32 ? <u8>c : 63);
      n++;
    }
  }
  store<u8>(ABORT_BUF + n, 0);
  host_abort(ABORT_BUF);
  unreachable();
}

/**
 * ABI 1.2 fast path: the SDK has written the input JSON at inputAddr and passes the heap pointer
 * to use (heapAddr). Returns the address of the NUL-terminated JSON result set. inputLen 0 means
 * undefined input (the SDK passes 0 for any falsy input).
 */
/**
 * time.now_ns within one evaluation: the host's first answer, kept until the next evaluation (OPA:
 * "multiple calls to time.now_ns within a single policy evaluation query return the same value").
 * The linker calls these around the host's builtin; every evaluation entry clears it.
 */
let now_ns_value: usize = 0;
export function opa_rt_now_ns_get(): usize { return now_ns_value; }
export function opa_rt_now_ns_set(v: usize): usize {
  now_ns_value = v;
  return v;
}

export function opa_eval(
  _addr: usize, ep: i32, data: usize, inputAddr: usize, inputLen: u32, heapAddr: usize, _format: i32,
): usize {
  opa_heap_ptr_set(heapAddr);
  now_ns_value = 0;
  let input: usize = 0;
  if (inputLen > 0) {
    input = opa_json_parse(inputAddr, inputLen);
    if (input == 0) abort_cstr(BAD_INPUT);
  }
  return opa_json_dump(policy_eval(ep, input, data));
}

const BAD_INPUT: usize = memory.data<u8>([105, 110, 118, 97, 108, 105, 100, 32, 105, 110, 112, 117, 116, 32, 106, 115, 111, 110, 0]); // "invalid input json"

function abort_cstr(p: usize): void {
  host_abort(p);
  unreachable();
}

// ---- slow path (ABI 1.0/1.1): an evaluation context ---------------------------------------------
// ctx layout: @0 input, @4 data, @8 entrypoint, @12 result set.

export function opa_eval_ctx_new(): usize {
  const c = malloc(16);
  memory.fill(c, 0, 16);
  return c;
}
export function opa_eval_ctx_set_input(c: usize, v: usize): void { store<u32>(c, <u32>v); }
export function opa_eval_ctx_set_data(c: usize, v: usize): void { store<u32>(c, <u32>v, 4); }
export function opa_eval_ctx_set_entrypoint(c: usize, ep: i32): void { store<i32>(c, ep, 8); }
export function opa_eval_ctx_get_result(c: usize): usize { return <usize>load<u32>(c, 12); }

export function eval(c: usize): i32 {
  now_ns_value = 0;
  const rs = policy_eval(load<i32>(c, 8), <usize>load<u32>(c), <usize>load<u32>(c, 4));
  store<u32>(c, <u32>rs, 12);
  return 0;
}



