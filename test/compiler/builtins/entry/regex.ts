export { lib_alloc, lib_reset, get_out_len } from '../../../../compiler/assembly/lib/alloc';
export { re_match, re_compile, re_compile_error, re_exec, re_cap, re_prog_ncap, re_iter_begin, re_iter_next, re_replace_all, re_template_match } from '../../../../compiler/assembly/lib/regex';
import { re_compile_error as err } from '../../../../compiler/assembly/lib/regex';
export function compile_error(): i32 {
  return err;
}
