// asc test entry: thin exports over lib/ and builtins/ for test/compiler/builtins (not part of runtime.wasm).
export { lib_alloc, lib_reset, get_out_len } from '../../lib/alloc';
export { re_match, re_compile, re_compile_error, re_exec, re_cap, re_prog_ncap, re_iter_begin, re_iter_next, re_replace_all, re_template_match } from '../../lib/regex';
import { re_compile_error as err } from '../../lib/regex';
export function compile_error(): i32 {
  return err;
}
