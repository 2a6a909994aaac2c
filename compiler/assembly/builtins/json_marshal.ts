// json.marshal_with_options(x, {pretty, indent, prefix}): compact JSON, or Go's MarshalIndent
// layout (each line starts with prefix; nesting adds indent; empty containers stay "[]"/"{}").
import { TYPE_OBJECT, TYPE_STRING, TYPE_BOOLEAN, vtype, coll_len, obj_key_at, obj_val_at, bool_get, opa_string } from '../value';
import { opa_json_dump, opa_dump_len } from '../json';
import { buf_begin, buf_byte, buf_bytes, buf_end } from '../lib/buf';
import { get_out_len } from '../lib/alloc';
import { sp, sl } from './support/text';
import { type_error, err_begin, err_str, err_bytes, err_end } from './support/errors';

function key_is(k: usize, s: string): bool {
  if (vtype(k) != TYPE_STRING || <i32>sl(k) != s.length) return false;
  for (let i = 0; i < s.length; i++) if (<i32>load<u8>(sp(k) + <usize>i) != s.charCodeAt(i)) return false;
  return true;
}

let prefix: usize = 0;
let indent: usize = 0;

function newline(depth: i32): void {
  buf_byte(10);
  buf_bytes(sp(prefix), sl(prefix));
  for (let i = 0; i < depth; i++) buf_bytes(sp(indent), sl(indent));
}

export function opa_builtin_json_marshal_with_options(x: usize, opts: usize): usize {
  if (vtype(opts) != TYPE_OBJECT) return type_error('json.marshal_with_options', 2, 'object', opts);
  prefix = 0;
  indent = 0;
  let implicit = false;
  let explicit = false;
  let pretty = false;
  const n = coll_len(opts);
  for (let i: u32 = 0; i < n; i++) {
    const k = obj_key_at(opts, i);
    const v = obj_val_at(opts, i);
    if (key_is(k, 'prefix')) {
      if (vtype(v) != TYPE_STRING) return type_error('json.marshal_with_options', 2, 'object with string "prefix"', v);
      prefix = v;
      implicit = true;
    } else if (key_is(k, 'indent')) {
      if (vtype(v) != TYPE_STRING) return type_error('json.marshal_with_options', 2, 'object with string "indent"', v);
      indent = v;
      implicit = true;
    } else if (key_is(k, 'pretty')) {
      if (vtype(v) != TYPE_BOOLEAN) return type_error('json.marshal_with_options', 2, 'object with boolean "pretty"', v);
      explicit = true;
      pretty = bool_get(v);
    } else {
      // OPA reports an unknown option as a type error of operand 2.
      err_begin('eval_type_error');
      err_str('json.marshal_with_options: object contained unknown key ');
      if (vtype(k) == TYPE_STRING) {
        err_str('"');
        err_bytes(sp(k), sl(k));
        err_str('"');
      }
      return err_end();
    }
  }
  if (!explicit) pretty = implicit;
  const d = opa_json_dump(x);
  const dl = <usize>opa_dump_len();
  if (!pretty) return opa_string(d, <u32>dl);
  if (prefix == 0) prefix = opa_string(d, 0);
  if (indent == 0) indent = opa_string(TAB, 1);
  buf_begin(dl * 2 + 16);
  buf_bytes(sp(prefix), sl(prefix));
  let depth = 0;
  let inStr = false;
  for (let i: usize = 0; i < dl; i++) {
    const c = <i32>load<u8>(d + i);
    if (inStr) {
      buf_byte(c);
      if (c == 92) {
        i++;
        buf_byte(load<u8>(d + i));
      } else if (c == 34) inStr = false;
      continue;
    }
    if (c == 34) {
      inStr = true;
      buf_byte(c);
    } else if (c == 123 || c == 91) {
      const next = i + 1 < dl ? <i32>load<u8>(d + i + 1) : 0;
      buf_byte(c);
      if (next == c + 2) {
        buf_byte(next);
        i++;
      } else {
        depth++;
        newline(depth);
      }
    } else if (c == 125 || c == 93) {
      depth--;
      newline(depth);
      buf_byte(c);
    } else if (c == 44) {
      buf_byte(c);
      newline(depth);
    } else if (c == 58) {
      buf_byte(58);
      buf_byte(32);
    } else buf_byte(c);
  }
  const out = buf_end();
  return opa_string(out, <u32>get_out_len());
}

const TAB: usize = memory.data<u8>([9]);
