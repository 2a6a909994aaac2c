// Time builtins: time.parse_ns, time.parse_rfc3339_ns, time.parse_duration_ns, time.date,
// time.clock, time.weekday, time.add_date, time.diff, time.format. time.now_ns needs the host
// clock (not available inside the sandbox); warden passes the current time in the input.
import {
  TYPE_NUMBER, TYPE_ARRAY, NUM_INT, NUM_REF, vtype, num_kind, num_i64, num_ref_len, num_ref_ptr, num_to_f64, coll_len,
  arr_get, opa_number_int, opa_string, opa_array_with_cap,
} from '../value';
import { opa_array_append } from '../collections';
import { civil_from_days, cy, cm, cd, weekday, days_from_civil, fdiv, fmod } from '../lib/civil';
import { tz_lookup, tz_offset, TZ_UNKNOWN } from '../lib/tz';
// The linker sets it when the host answers for zones the runtime's table lacks (../lib/tz.ts).
export { opa_rt_tz_host } from '../lib/tz';
import { parse_duration, dur_ok } from '../lib/duration';
import { time_parse, time_format, date_to_ns, parsed_ns, TP_OK, TP_RANGE } from '../lib/timefmt';
import { buf_begin, buf_byte, buf_end } from '../lib/buf';
import { get_out_len } from '../lib/alloc';
import { is_str, sp, sl } from './support/text';
import { type_error, builtin_error, err_begin, err_str, err_bytes, err_end } from './support/errors';

let arg_ok = false;

/** A number as exact int64 (NUM_REF integer text parsed exactly; fractions truncated). */
function int_of(v: usize): i64 {
  arg_ok = false;
  if (vtype(v) != TYPE_NUMBER) return 0;
  const k = num_kind(v);
  if (k == NUM_INT) {
    arg_ok = true;
    return num_i64(v);
  }
  if (k == NUM_REF) {
    const p = num_ref_ptr(v);
    const n = <usize>num_ref_len(v);
    let i: usize = 0;
    let neg = false;
    if (i < n && load<u8>(p) == 45) { neg = true; i++; }
    let r: i64 = 0;
    let pure = true;
    for (; i < n; i++) {
      const c = load<u8>(p + i);
      if (c < 48 || c > 57) { pure = false; break; }
      const d = <i64>(c - 48);
      if (r > (9223372036854775807 - d) / 10) { pure = false; break; }
      r = r * 10 + d;
    }
    if (pure) {
      arg_ok = true;
      return neg ? -r : r;
    }
  }
  const f = num_to_f64(v);
  if (f != f || f >= 9.223372036854775807e18 || f < -9.223372036854775808e18) return 0;
  arg_ok = true;
  return <i64>f;
}

// Parsed (ns, tz) argument of date/clock/weekday/diff/format.
let a_ns: i64 = 0;
let a_off: i64 = 0;
let a_layout: usize = 0;

function bad_ns(name: string, v: usize): usize {
  return type_error(name, 1, 'number or array[number, string]', v);
}

/** Reads ns or [ns, tz] (or [ns, tz, layout] when withLayout); false after reporting an error. */
function read_ns_tz(name: string, v: usize, withLayout: bool): bool {
  a_layout = 0;
  let tzv: usize = 0;
  let nv = v;
  if (vtype(v) == TYPE_ARRAY) {
    const n = coll_len(v);
    if (n < 2 || n > (withLayout ? <u32>3 : <u32>2)) { bad_ns(name, v); return false; }
    nv = arr_get(v, 0);
    tzv = arr_get(v, 1);
    if (!is_str(tzv)) { bad_ns(name, v); return false; }
    if (n == 3) {
      a_layout = arr_get(v, 2);
      if (!is_str(a_layout)) { bad_ns(name, v); return false; }
    }
  }
  a_ns = int_of(nv);
  if (!arg_ok) { bad_ns(name, v); return false; }
  let id = 0;
  if (tzv != 0) {
    id = tz_lookup(sp(tzv), sl(tzv));
    if (id == TZ_UNKNOWN) {
      err_begin();
      err_str(name);
      err_str(': unknown time zone ');
      err_bytes(sp(tzv), sl(tzv));
      err_end();
      return false;
    }
  } else id = tz_lookup(0, 0);
  a_off = tz_offset(id, fdiv(a_ns, 1000000000));
  return true;
}

function local_days(): i64 {
  return fdiv(fdiv(a_ns, 1000000000) + a_off, 86400);
}

function local_sod(): i32 {
  return <i32>fmod(fdiv(a_ns, 1000000000) + a_off, 86400);
}

function int_array3(a: i64, b: i64, c: i64): usize {
  const out = opa_array_with_cap(3);
  opa_array_append(out, opa_number_int(a));
  opa_array_append(out, opa_number_int(b));
  opa_array_append(out, opa_number_int(c));
  return out;
}

export function opa_builtin_time_date(v: usize): usize {
  if (!read_ns_tz('time.date', v, false)) return 0;
  civil_from_days(local_days());
  return int_array3(cy, cm, cd);
}

export function opa_builtin_time_clock(v: usize): usize {
  if (!read_ns_tz('time.clock', v, false)) return 0;
  const s = local_sod();
  return int_array3(s / 3600, (s / 60) % 60, s % 60);
}

const DAY_NAMES = 'SundayMondayTuesdayWednesdayThursdayFridaySaturday';
const DAY_OFF = memory.data<u8>([0, 6, 12, 19, 28, 36, 42, 50]);

export function opa_builtin_time_weekday(v: usize): usize {
  if (!read_ns_tz('time.weekday', v, false)) return 0;
  const w = weekday(local_days());
  const a = <usize>load<u8>(DAY_OFF + <usize>w);
  const b = <usize>load<u8>(DAY_OFF + <usize>w + 1);
  buf_begin(10);
  for (let i = a; i < b; i++) buf_byte(DAY_NAMES.charCodeAt(<i32>i));
  const p = buf_end();
  return opa_string(p, <u32>get_out_len());
}

function parse_result(name: string, r: i32): usize {
  if (r == TP_OK) return opa_number_int(parsed_ns);
  if (r == TP_RANGE) return builtin_error(name, 'time outside of valid range');
  return builtin_error(name, 'cannot parse time');
}

export function opa_builtin_time_parse_ns(layout: usize, v: usize): usize {
  if (!is_str(layout)) return type_error('time.parse_ns', 1, 'string', layout);
  if (!is_str(v)) return type_error('time.parse_ns', 2, 'string', v);
  return parse_result('time.parse_ns', time_parse(sp(layout), sl(layout), sp(v), sl(v)));
}

const RFC3339 = memory.data<u8>([50, 48, 48, 54, 45, 48, 49, 45, 48, 50, 84, 49, 53, 58, 48, 52, 58, 48, 53, 90, 48, 55, 58, 48, 48]);
const RFC3339_NANO = memory.data<u8>([50, 48, 48, 54, 45, 48, 49, 45, 48, 50, 84, 49, 53, 58, 48, 52, 58, 48, 53, 46, 57, 57, 57, 57, 57, 57, 57, 57, 57, 90, 48, 55, 58, 48, 48]);

export function opa_builtin_time_parse_rfc3339_ns(v: usize): usize {
  if (!is_str(v)) return type_error('time.parse_rfc3339_ns', 1, 'string', v);
  return parse_result('time.parse_rfc3339_ns', time_parse(RFC3339, 25, sp(v), sl(v)));
}

export function opa_builtin_time_parse_duration_ns(v: usize): usize {
  if (!is_str(v)) return type_error('time.parse_duration_ns', 1, 'string', v);
  const d = parse_duration(sp(v), sl(v));
  if (!dur_ok) {
    err_begin();
    err_str('time.parse_duration_ns: time: invalid duration "');
    err_bytes(sp(v), sl(v));
    err_str('"');
    return err_end();
  }
  return opa_number_int(d);
}

export function opa_builtin_time_format(v: usize): usize {
  if (!read_ns_tz('time.format', v, true)) return 0;
  buf_begin(40);
  if (a_layout != 0) time_format(a_ns, a_off, sp(a_layout), sl(a_layout));
  else time_format(a_ns, a_off, RFC3339_NANO, 35);
  const p = buf_end();
  return opa_string(p, <u32>get_out_len());
}

/** time.add_date(ns, years, months, days) in UTC, normalised like Go's AddDate. */
export function opa_builtin_time_add_date(v: usize, y: usize, m: usize, d: usize): usize {
  const ns = int_of(v);
  if (!arg_ok) return type_error('time.add_date', 1, 'number', v);
  const dy = int_of(y);
  if (!arg_ok) return type_error('time.add_date', 2, 'number', y);
  const dm = int_of(m);
  if (!arg_ok) return type_error('time.add_date', 3, 'number', m);
  const dd = int_of(d);
  if (!arg_ok) return type_error('time.add_date', 4, 'number', d);
  const unix = fdiv(ns, 1000000000);
  const nsec = fmod(ns, 1000000000);
  const days = fdiv(unix, 86400);
  const sod = fmod(unix, 86400);
  civil_from_days(days);
  if (dy > 1000000 || dy < -1000000 || dm > 12000000 || dm < -12000000 || dd > 400000000 || dd < -400000000) {
    return builtin_error('time.add_date', 'time outside of valid range');
  }
  const r = date_to_ns(cy + dy, <i64>cm + dm, <i64>cd + dd, sod / 3600, (sod / 60) % 60, sod % 60, nsec, 0);
  if (r != TP_OK) return builtin_error('time.add_date', 'time outside of valid range');
  return opa_number_int(parsed_ns);
}

/** time.diff(a, b): [years, months, days, hours, minutes, seconds] between the two instants. */
export function opa_builtin_time_diff(a: usize, b: usize): usize {
  if (!read_ns_tz('time.diff', a, false)) return 0;
  let ns1 = a_ns;
  let off1 = a_off;
  if (!read_ns_tz('time.diff', b, false)) return 0;
  let ns2 = a_ns;
  let off2 = a_off;
  if (ns1 > ns2) {
    const t = ns1; ns1 = ns2; ns2 = t;
    const o = off1; off1 = off2; off2 = o;
  }
  const l1 = fdiv(ns1, 1000000000) + off1;
  const l2 = fdiv(ns2, 1000000000) + off2;
  civil_from_days(fdiv(l1, 86400));
  const y1 = cy; const m1 = cm; const d1 = cd;
  civil_from_days(fdiv(l2, 86400));
  const y2 = cy; const m2 = cm; const d2 = cd;
  const s1 = fmod(l1, 86400);
  const s2 = fmod(l2, 86400);
  let year = y2 - y1;
  let month = <i64>(m2 - m1);
  let day = <i64>(d2 - d1);
  let hour = s2 / 3600 - s1 / 3600;
  let min = (s2 / 60) % 60 - (s1 / 60) % 60;
  let sec = s2 % 60 - s1 % 60;
  if (sec < 0) { sec += 60; min--; }
  if (min < 0) { min += 60; hour--; }
  if (hour < 0) { hour += 24; day--; }
  if (day < 0) {
    // Days in y1-m1: day 32 of that month normalises into the next month.
    const first = days_from_civil(y1, m1, 1);
    civil_from_days(first + 31);
    day += 32 - <i64>cd;
    month--;
  }
  if (month < 0) { month += 12; year--; }
  const out = opa_array_with_cap(6);
  opa_array_append(out, opa_number_int(year));
  opa_array_append(out, opa_number_int(month));
  opa_array_append(out, opa_number_int(day));
  opa_array_append(out, opa_number_int(hour));
  opa_array_append(out, opa_number_int(min));
  opa_array_append(out, opa_number_int(sec));
  return out;
}
