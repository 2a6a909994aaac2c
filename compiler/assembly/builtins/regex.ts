// Regex builtins over the lib/regex engine (Go RE2 syntax): regex.match, regex.is_valid,
// regex.find_n, regex.find_all_string_submatch_n, regex.replace, regex.split,
// regex.template_match.
import { TYPE_NUMBER, vtype, opa_boolean, opa_string, opa_array_with_cap, num_is_int, num_to_i64 } from '../value';
import { opa_array_append } from '../collections';
import { re_compile, re_compile_error, re_exec, re_cap, re_prog_ncap, re_iter_begin, re_iter_next, re_replace_all, re_template_match, re_too_large } from '../lib/regex';
import { get_out_len } from '../lib/alloc';
import { decode_rune } from '../lib/utf8';
import { is_str, sp, sl } from './support/text';
import { type_error, err_begin, err_str, err_bytes, err_end, builtin_error } from './support/errors';

function parse_error_text(code: i32): string {
  if (code == 1) return 'missing closing )';
  if (code == 2) return 'unexpected )';
  if (code == 3) return 'missing closing ]';
  if (code == 4) return 'invalid escape sequence';
  if (code == 5) return 'missing argument to repetition operator';
  if (code == 6) return 'invalid nested repetition operator';
  if (code == 7) return 'invalid repeat count';
  if (code == 8) return 'invalid character class range';
  if (code == 9) return 'invalid or unsupported Perl syntax';
  if (code == 10) return 'invalid named capture';
  if (code == 11) return 'expression too large';
  return 'invalid UTF-8';
}

/** Compiles the pattern value or reports "<name>: error parsing regexp: ..." (returns 0). */
function compile(name: string, pat: usize): usize {
  const h = re_compile(sp(pat), sl(pat));
  if (h == 0) {
    err_begin();
    err_str(name);
    err_str(': error parsing regexp: ');
    err_str(parse_error_text(re_compile_error));
    err_str(': `');
    err_bytes(sp(pat), sl(pat));
    err_str('`');
    err_end();
  }
  return h;
}

function too_large(name: string): usize {
  return builtin_error(name, 'input too large for the regex engine');
}

export function opa_builtin_regex_match(pat: usize, v: usize): usize {
  if (!is_str(pat)) return type_error('regex.match', 1, 'string', pat);
  if (!is_str(v)) return type_error('regex.match', 2, 'string', v);
  const h = compile('regex.match', pat);
  if (h == 0) return 0;
  const ok = re_exec(h, sp(v), <i32>sl(v), 0);
  if (re_too_large) return too_large('regex.match');
  return opa_boolean(ok);
}

export function opa_builtin_regex_is_valid(pat: usize): usize {
  if (!is_str(pat)) return opa_boolean(false);
  return opa_boolean(re_compile(sp(pat), sl(pat)) != 0);
}

function count_arg(name: string, n: usize): i64 {
  if (vtype(n) != TYPE_NUMBER || !num_is_int(n)) {
    type_error(name, 3, 'integer', n);
    return -2;
  }
  return num_to_i64(n);
}

export function opa_builtin_regex_find_n(pat: usize, v: usize, n: usize): usize {
  if (!is_str(pat)) return type_error('regex.find_n', 1, 'string', pat);
  if (!is_str(v)) return type_error('regex.find_n', 2, 'string', v);
  const max = count_arg('regex.find_n', n);
  if (max == -2) return 0;
  const h = compile('regex.find_n', pat);
  if (h == 0) return 0;
  const out = opa_array_with_cap(4);
  re_iter_begin();
  let found: i64 = 0;
  while ((max < 0 || found < max) && re_iter_next(h, sp(v), <i32>sl(v))) {
    const s = re_cap(0);
    opa_array_append(out, opa_string(sp(v) + <usize>s, <u32>(re_cap(1) - s)));
    found++;
  }
  if (re_too_large) return too_large('regex.find_n');
  return out;
}

export function opa_builtin_regex_find_all_string_submatch_n(pat: usize, v: usize, n: usize): usize {
  if (!is_str(pat)) return type_error('regex.find_all_string_submatch_n', 1, 'string', pat);
  if (!is_str(v)) return type_error('regex.find_all_string_submatch_n', 2, 'string', v);
  const max = count_arg('regex.find_all_string_submatch_n', n);
  if (max == -2) return 0;
  const h = compile('regex.find_all_string_submatch_n', pat);
  if (h == 0) return 0;
  const ncap = re_prog_ncap(h);
  const out = opa_array_with_cap(4);
  re_iter_begin();
  let found: i64 = 0;
  while ((max < 0 || found < max) && re_iter_next(h, sp(v), <i32>sl(v))) {
    const row = opa_array_with_cap(<u32>ncap);
    for (let i = 0; i < ncap; i++) {
      const s = re_cap(2 * i);
      const e = re_cap(2 * i + 1);
      opa_array_append(row, s < 0 ? opa_string(sp(v), 0) : opa_string(sp(v) + <usize>s, <u32>(e - s)));
    }
    opa_array_append(out, row);
    found++;
  }
  if (re_too_large) return too_large('regex.find_all_string_submatch_n');
  return out;
}

/** regex.replace(s, pattern, value): Go's ReplaceAllString with $-expansion. */
export function opa_builtin_regex_replace(s: usize, pat: usize, repl: usize): usize {
  if (!is_str(s)) return type_error('regex.replace', 1, 'string', s);
  if (!is_str(pat)) return type_error('regex.replace', 2, 'string', pat);
  if (!is_str(repl)) return type_error('regex.replace', 3, 'string', repl);
  const h = compile('regex.replace', pat);
  if (h == 0) return 0;
  const p = re_replace_all(h, sp(s), <i32>sl(s), sp(repl), sl(repl));
  if (re_too_large) return too_large('regex.replace');
  return opa_string(p, <u32>get_out_len());
}

/** regex.split(pattern, value): Go's Regexp.Split(s, -1). */
export function opa_builtin_regex_split(pat: usize, v: usize): usize {
  if (!is_str(pat)) return type_error('regex.split', 1, 'string', pat);
  if (!is_str(v)) return type_error('regex.split', 2, 'string', v);
  const h = compile('regex.split', pat);
  if (h == 0) return 0;
  const p = sp(v);
  const len = <i32>sl(v);
  const out = opa_array_with_cap(4);
  if (sl(pat) > 0 && len == 0) {
    opa_array_append(out, opa_string(p, 0));
    return out;
  }
  re_iter_begin();
  let beg = 0;
  let end = 0;
  while (re_iter_next(h, p, len)) {
    end = re_cap(0);
    if (re_cap(1) != 0) opa_array_append(out, opa_string(p + <usize>beg, <u32>(end - beg)));
    beg = re_cap(1);
  }
  if (re_too_large) return too_large('regex.split');
  if (end != len) opa_array_append(out, opa_string(p + <usize>beg, <u32>(len - beg)));
  return out;
}

export function opa_builtin_regex_template_match(tpl: usize, v: usize, ds: usize, de: usize): usize {
  if (!is_str(tpl)) return type_error('regex.template_match', 1, 'string', tpl);
  if (!is_str(v)) return type_error('regex.template_match', 2, 'string', v);
  if (!is_str(ds)) return type_error('regex.template_match', 3, 'string', ds);
  if (!is_str(de)) return type_error('regex.template_match', 4, 'string', de);
  if (sl(ds) == 0 || sl(de) == 0) return builtin_error('regex.template_match', 'delimiters must be non-empty');
  const r = re_template_match(sp(tpl), sl(tpl), sp(v), sl(v), decode_rune(sp(ds), sp(ds) + sl(ds)), decode_rune(sp(de), sp(de) + sl(de)));
  if (r < 0) return builtin_error('regex.template_match', 'unbalanced braces or invalid pattern in template');
  return opa_boolean(r == 1);
}
