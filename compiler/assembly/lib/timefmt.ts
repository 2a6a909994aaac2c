// Go reference-time layouts ("2006-01-02T15:04:05Z07:00"): tokenizer, Parse and Format, enough of
// Go's time package for OPA's time.parse_ns, time.parse_rfc3339_ns and time.format.
import { tz_abbr } from './tz';
import { days_from_civil, civil_from_days, cy, cm, cd, weekday, days_in_month, fdiv, fmod, wall_to_unix } from './civil';
import { buf_byte } from './buf';

// Token kinds.
const T_LIT = 0;
const T_LONG_MONTH = 1;
const T_MONTH = 2;
const T_NUM_MONTH = 3;
const T_ZERO_MONTH = 4;
const T_LONG_WEEKDAY = 5;
const T_WEEKDAY = 6;
const T_DAY = 7;
const T_UNDER_DAY = 8;
const T_ZERO_DAY = 9;
const T_UNDER_YEARDAY = 10;
const T_ZERO_YEARDAY = 11;
const T_HOUR = 12;
const T_HOUR12 = 13;
const T_ZERO_HOUR12 = 14;
const T_MINUTE = 15;
const T_ZERO_MINUTE = 16;
const T_SECOND = 17;
const T_ZERO_SECOND = 18;
const T_LONG_YEAR = 19;
const T_YEAR = 20;
const T_PM = 21;
const T_pm = 22;
const T_TZ = 23;
const T_ISO_TZ = 24; // Z0700 family: tz_colon / tz_secs / tz_short describe the shape
const T_NUM_TZ = 25; // -0700 family
const T_FRAC0 = 26; // .000 (tok_digits)
const T_FRAC9 = 27; // .999 (tok_digits)

let tok_len: usize = 0;
let tz_colon = false;
let tz_secs = false;
let tz_short = false;
let tok_digits: i32 = 0;

function at(p: usize, n: usize, i: usize): i32 {
  return i < n ? <i32>load<u8>(p + i) : -1;
}

function starts(p: usize, n: usize, i: usize, s: string): bool {
  const l = <usize>s.length;
  if (i + l > n) return false;
  for (let k: usize = 0; k < l; k++) if (<i32>load<u8>(p + i + k) != s.charCodeAt(<i32>k)) return false;
  return true;
}

function is_lower(c: i32): bool {
  return c >= 97 && c <= 122;
}

/** Token at layout position i (T_LIT for a literal byte); length in tok_len. */
function token(p: usize, n: usize, i: usize): i32 {
  const c = at(p, n, i);
  if (c == 74) { // J
    if (starts(p, n, i, 'January')) { tok_len = 7; return T_LONG_MONTH; }
    if (starts(p, n, i, 'Jan')) { tok_len = 3; return T_MONTH; }
  } else if (c == 77) { // M
    if (starts(p, n, i, 'Monday')) { tok_len = 6; return T_LONG_WEEKDAY; }
    if (starts(p, n, i, 'Mon')) { tok_len = 3; return T_WEEKDAY; }
    if (starts(p, n, i, 'MST')) { tok_len = 3; return T_TZ; }
  } else if (c == 48) { // 0
    const d = at(p, n, i + 1);
    if (d >= 49 && d <= 54) {
      tok_len = 2;
      return d == 49 ? T_ZERO_MONTH : d == 50 ? T_ZERO_DAY : d == 51 ? T_ZERO_HOUR12 : d == 52 ? T_ZERO_MINUTE : d == 53 ? T_ZERO_SECOND : T_YEAR;
    }
    if (d == 48 && at(p, n, i + 2) == 50) { tok_len = 3; return T_ZERO_YEARDAY; }
  } else if (c == 49) { // 1
    if (at(p, n, i + 1) == 53) { tok_len = 2; return T_HOUR; }
    tok_len = 1;
    return T_NUM_MONTH;
  } else if (c == 50) { // 2
    if (starts(p, n, i, '2006')) { tok_len = 4; return T_LONG_YEAR; }
    tok_len = 1;
    return T_DAY;
  } else if (c == 95) { // _
    if (at(p, n, i + 1) == 50) {
      if (starts(p, n, i + 1, '2006')) { tok_len = 1; return T_LIT; }
      tok_len = 2;
      return T_UNDER_DAY;
    }
    if (at(p, n, i + 1) == 95 && at(p, n, i + 2) == 50) { tok_len = 3; return T_UNDER_YEARDAY; }
  } else if (c == 51) { tok_len = 1; return T_HOUR12; }
  else if (c == 52) { tok_len = 1; return T_MINUTE; }
  else if (c == 53) { tok_len = 1; return T_SECOND; }
  else if (c == 80 && at(p, n, i + 1) == 77) { tok_len = 2; return T_PM; }
  else if (c == 112 && at(p, n, i + 1) == 109) { tok_len = 2; return T_pm; }
  else if (c == 45 || c == 90) { // - or Z
    const base = c == 45 ? T_NUM_TZ : T_ISO_TZ;
    tz_colon = false; tz_secs = false; tz_short = false;
    if (starts(p, n, i + 1, '07:00:00')) { tz_colon = true; tz_secs = true; tok_len = 9; return base; }
    if (starts(p, n, i + 1, '070000')) { tz_secs = true; tok_len = 7; return base; }
    if (starts(p, n, i + 1, '07:00')) { tz_colon = true; tok_len = 6; return base; }
    if (starts(p, n, i + 1, '0700')) { tok_len = 5; return base; }
    if (starts(p, n, i + 1, '07')) { tz_short = true; tok_len = 3; return base; }
  } else if (c == 46 || c == 44) { // . or ,
    const d = at(p, n, i + 1);
    if (d == 48 || d == 57) {
      let j = i + 1;
      while (at(p, n, j) == d) j++;
      const next = at(p, n, j);
      if (!(next >= 48 && next <= 57)) {
        tok_digits = <i32>(j - i - 1);
        tok_len = j - i;
        return d == 48 ? T_FRAC0 : T_FRAC9;
      }
    }
  }
  tok_len = 1;
  return T_LIT;
}

const MONTHS = 'JanuaryFebruaryMarchAprilMayJuneJulyAugustSeptemberOctoberNovemberDecember';
const MONTH_OFF = memory.data<u8>([0, 7, 15, 20, 25, 28, 32, 36, 42, 51, 58, 66, 74]);
const DAYS = 'SundayMondayTuesdayWednesdayThursdayFridaySaturday';
const DAY_OFF = memory.data<u8>([0, 6, 12, 19, 28, 36, 42, 50]);

function lower(c: i32): i32 {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

// Matches a name (full, or its first 3 letters) case-insensitively at value[i]; returns index or -1.
let name_len: usize = 0;
function lookup_name(v: usize, n: usize, i: usize, table: string, offs: usize, count: i32, short: bool): i32 {
  for (let k = 0; k < count; k++) {
    const a = <i32>load<u8>(offs + <usize>k);
    const b = short ? a + 3 : <i32>load<u8>(offs + <usize>k + 1);
    const l = <usize>(b - a);
    if (i + l > n) continue;
    let ok = true;
    for (let j: usize = 0; j < l; j++) {
      if (lower(<i32>load<u8>(v + i + j)) != lower(table.charCodeAt(a + <i32>j))) { ok = false; break; }
    }
    if (ok) { name_len = l; return k; }
  }
  return -1;
}

function is_digit(c: i32): bool {
  return c >= 48 && c <= 57;
}

// getnum: one or two digits (exactly two if fixed); -1 on error. num_len = digits consumed.
let num_len: usize = 0;
function getnum(v: usize, n: usize, i: usize, fixed: bool): i32 {
  const a = at(v, n, i);
  if (!is_digit(a)) return -1;
  const b = at(v, n, i + 1);
  if (!is_digit(b)) {
    if (fixed) return -1;
    num_len = 1;
    return a - 48;
  }
  num_len = 2;
  return (a - 48) * 10 + (b - 48);
}

function getdigits(v: usize, n: usize, i: usize, count: usize): i32 {
  let r = 0;
  for (let k: usize = 0; k < count; k++) {
    const c = at(v, n, i + k);
    if (!is_digit(c)) return -1;
    r = r * 10 + (c - 48);
  }
  return r;
}

/** Result of time_parse: nanoseconds since the epoch (valid when the return value is 0). */
export let parsed_ns: i64 = 0;

export const TP_OK = 0;
export const TP_BAD = 1;
export const TP_RANGE = 2;

/** Parses value with a Go layout. Returns TP_OK and sets parsed_ns, or an error code. */
export function time_parse(lp: usize, ln: usize, v: usize, vn: usize): i32 {
  let year: i64 = 0;
  let month = 1;
  let day = 1;
  let yday = -1;
  let hour = 0;
  let min = 0;
  let sec = 0;
  let nsec: i64 = 0;
  let pm = false;
  let pmSet = false;
  let off: i64 = 0;
  let li: usize = 0;
  let vi: usize = 0;
  while (li < ln) {
    const t = token(lp, ln, li);
    const tl = tok_len;
    if (t == T_LIT) {
      if (vi >= vn || load<u8>(lp + li) != load<u8>(v + vi)) return TP_BAD;
      li++;
      vi++;
      continue;
    }
    li += tl;
    if (t == T_LONG_YEAR) {
      const y = getdigits(v, vn, vi, 4);
      if (y < 0) return TP_BAD;
      year = y;
      vi += 4;
    } else if (t == T_YEAR) {
      const y = getdigits(v, vn, vi, 2);
      if (y < 0) return TP_BAD;
      year = y >= 69 ? 1900 + y : 2000 + y;
      vi += 2;
    } else if (t == T_LONG_MONTH || t == T_MONTH) {
      const m = lookup_name(v, vn, vi, MONTHS, MONTH_OFF, 12, t == T_MONTH);
      if (m < 0) return TP_BAD;
      month = m + 1;
      vi += name_len;
    } else if (t == T_NUM_MONTH || t == T_ZERO_MONTH) {
      const m = getnum(v, vn, vi, t == T_ZERO_MONTH);
      if (m < 1 || m > 12) return TP_BAD;
      month = m;
      vi += num_len;
    } else if (t == T_LONG_WEEKDAY || t == T_WEEKDAY) {
      const d = lookup_name(v, vn, vi, DAYS, DAY_OFF, 7, t == T_WEEKDAY);
      if (d < 0) return TP_BAD;
      vi += name_len;
    } else if (t == T_DAY || t == T_UNDER_DAY || t == T_ZERO_DAY) {
      if (t == T_UNDER_DAY && at(v, vn, vi) == 32) vi++;
      const d = getnum(v, vn, vi, t == T_ZERO_DAY);
      if (d < 1 || d > 31) return TP_BAD;
      day = d;
      vi += num_len;
    } else if (t == T_UNDER_YEARDAY || t == T_ZERO_YEARDAY) {
      let k = 0;
      while (k < 2 && t == T_UNDER_YEARDAY && at(v, vn, vi) == 32) { vi++; k++; }
      let d = 0;
      let cnt: usize = 0;
      while (cnt < 3 && is_digit(at(v, vn, vi + cnt))) { d = d * 10 + at(v, vn, vi + cnt) - 48; cnt++; }
      if (cnt == 0 || (t == T_ZERO_YEARDAY && cnt != 3) || d < 1 || d > 366) return TP_BAD;
      yday = d;
      vi += cnt;
    } else if (t == T_HOUR) {
      const h = getnum(v, vn, vi, false);
      if (h < 0 || h > 23) return TP_BAD;
      hour = h;
      vi += num_len;
    } else if (t == T_HOUR12 || t == T_ZERO_HOUR12) {
      const h = getnum(v, vn, vi, t == T_ZERO_HOUR12);
      if (h < 0 || h > 12) return TP_BAD;
      hour = h;
      vi += num_len;
    } else if (t == T_MINUTE || t == T_ZERO_MINUTE) {
      const m = getnum(v, vn, vi, t == T_ZERO_MINUTE);
      if (m < 0 || m > 59) return TP_BAD;
      min = m;
      vi += num_len;
    } else if (t == T_SECOND || t == T_ZERO_SECOND) {
      const s = getnum(v, vn, vi, t == T_ZERO_SECOND);
      if (s < 0 || s > 59) return TP_BAD;
      sec = s;
      vi += num_len;
      // A fractional second in the value that the layout does not spell out is accepted.
      const c = at(v, vn, vi);
      if ((c == 46 || c == 44) && is_digit(at(v, vn, vi + 1))) {
        const nt = li < ln ? token(lp, ln, li) : T_LIT;
        if (nt != T_FRAC0 && nt != T_FRAC9) {
          vi++;
          let scale: i64 = 100000000;
          while (is_digit(at(v, vn, vi))) {
            nsec += <i64>(at(v, vn, vi) - 48) * scale;
            scale /= 10;
            vi++;
          }
        }
      }
    } else if (t == T_PM || t == T_pm) {
      const a = lower(at(v, vn, vi));
      const b = lower(at(v, vn, vi + 1));
      if (b != 109 || (a != 97 && a != 112)) return TP_BAD;
      pm = a == 112;
      pmSet = true;
      vi += 2;
    } else if (t == T_ISO_TZ || t == T_NUM_TZ) {
      if (t == T_ISO_TZ && at(v, vn, vi) == 90) {
        vi++;
        off = 0;
      } else {
        const sg = at(v, vn, vi);
        if (sg != 43 && sg != 45) return TP_BAD;
        vi++;
        const hh = getdigits(v, vn, vi, 2);
        if (hh < 0) return TP_BAD;
        vi += 2;
        let mm = 0;
        let ss = 0;
        if (!tz_short) {
          if (tz_colon) { if (at(v, vn, vi) != 58) return TP_BAD; vi++; }
          mm = getdigits(v, vn, vi, 2);
          if (mm < 0) return TP_BAD;
          vi += 2;
          if (tz_secs) {
            if (tz_colon) { if (at(v, vn, vi) != 58) return TP_BAD; vi++; }
            ss = getdigits(v, vn, vi, 2);
            if (ss < 0) return TP_BAD;
            vi += 2;
          }
        }
        if (hh > 24 || mm > 59 || ss > 59) return TP_BAD;
        off = <i64>(hh * 3600 + mm * 60 + ss);
        if (sg == 45) off = -off;
      }
    } else if (t == T_TZ) {
      // Zone abbreviation: UTC/GMT or 3-5 upper-case letters (unknown ones count as UTC, like Go).
      let k: usize = 0;
      while (k < 5 && at(v, vn, vi + k) >= 65 && at(v, vn, vi + k) <= 90) k++;
      if (k < 3) return TP_BAD;
      vi += k;
    } else if (t == T_FRAC0 || t == T_FRAC9) {
      const c = at(v, vn, vi);
      if (t == T_FRAC0) {
        if (c != 46 && c != 44) return TP_BAD;
        vi++;
        let scale: i64 = 100000000;
        for (let k = 0; k < tok_digits; k++) {
          const d = at(v, vn, vi);
          if (!is_digit(d)) return TP_BAD;
          nsec += <i64>(d - 48) * scale;
          scale /= 10;
          vi++;
        }
      } else if ((c == 46 || c == 44) && is_digit(at(v, vn, vi + 1))) {
        vi++;
        let scale: i64 = 100000000;
        while (is_digit(at(v, vn, vi))) {
          nsec += <i64>(at(v, vn, vi) - 48) * scale;
          scale /= 10;
          vi++;
        }
      }
    }
  }
  if (vi != vn) return TP_BAD;
  if (pmSet) {
    if (hour > 12) return TP_BAD;
    if (pm && hour < 12) hour += 12;
    else if (!pm && hour == 12) hour = 0;
  }
  if (yday >= 0) {
    const first = days_from_civil(year, 1, 1);
    civil_from_days(first + <i64>yday - 1);
    if (cy != year) return TP_BAD;
    month = cm;
    day = cd;
  }
  if (day > days_in_month(year, month)) return TP_BAD;
  const unix = days_from_civil(year, month, day) * 86400 + <i64>(hour * 3600 + min * 60 + sec) - off;
  return unix_to_ns(unix, nsec);
}

function unix_to_ns(unix: i64, nsec: i64): i32 {
  // Representable range of int64 nanoseconds.
  if (unix < -9223372036 || unix > 9223372036) return TP_RANGE;
  const r = unix * 1000000000 + nsec;
  if ((unix > 0 && r < 0) || (unix < 0 && r > 0 && nsec == 0)) return TP_RANGE;
  parsed_ns = r;
  return TP_OK;
}

/** Normalised wall clock → ns (Go's time.Date in a fixed offset), for time.add_date. */
export function date_to_ns(y: i64, m: i64, d: i64, h: i64, mi: i64, s: i64, nsec: i64, off: i64): i32 {
  if (y > 300000 || y < -300000) return TP_RANGE;
  return unix_to_ns(wall_to_unix(y, m, d, h, mi, s) - off, nsec);
}

// ---- Format ----

function put2(v: i32): void {
  buf_byte(48 + v / 10);
  buf_byte(48 + v % 10);
}

function put_int(v: i64, width: i32): void {
  if (v < 0) {
    buf_byte(45);
    v = -v;
  }
  let digits = 1;
  let d: i64 = 10;
  while (v >= d && digits < 19) { d *= 10; digits++; }
  for (let k = digits; k < width; k++) buf_byte(48);
  let div: i64 = 1;
  for (let k = 1; k < digits; k++) div *= 10;
  while (div > 0) {
    buf_byte(<i32>(v / div % 10) + 48);
    div /= 10;
  }
}

function put_name(table: string, offs: usize, k: i32, short: bool): void {
  const a = <i32>load<u8>(offs + <usize>k);
  const b = short ? a + 3 : <i32>load<u8>(offs + <usize>k + 1);
  for (let j = a; j < b; j++) buf_byte(table.charCodeAt(j));
}

/** Formats ns (instant) at UTC offset `off` seconds with a Go layout into the active buffer. */
export function time_format(ns: i64, off: i64, lp: usize, ln: usize): void {
  const unix = fdiv(ns, 1000000000);
  const nsec = fmod(ns, 1000000000);
  const local = unix + off;
  const days = fdiv(local, 86400);
  const sod = <i32>fmod(local, 86400);
  civil_from_days(days);
  const year = cy;
  const month = cm;
  const day = cd;
  const hour = sod / 3600;
  const min = (sod / 60) % 60;
  const sec = sod % 60;
  const wd = weekday(days);
  const yday = <i32>(days - days_from_civil(year, 1, 1)) + 1;
  let li: usize = 0;
  while (li < ln) {
    const t = token(lp, ln, li);
    if (t == T_LIT) {
      buf_byte(load<u8>(lp + li));
      li++;
      continue;
    }
    li += tok_len;
    if (t == T_LONG_YEAR) put_int(year, 4);
    else if (t == T_YEAR) put2(<i32>fmod(year, 100));
    else if (t == T_LONG_MONTH || t == T_MONTH) put_name(MONTHS, MONTH_OFF, month - 1, t == T_MONTH);
    else if (t == T_NUM_MONTH) put_int(month, 1);
    else if (t == T_ZERO_MONTH) put2(month);
    else if (t == T_LONG_WEEKDAY || t == T_WEEKDAY) put_name(DAYS, DAY_OFF, wd, t == T_WEEKDAY);
    else if (t == T_DAY) put_int(day, 1);
    else if (t == T_UNDER_DAY) { if (day < 10) buf_byte(32); put_int(day, 1); }
    else if (t == T_ZERO_DAY) put2(day);
    else if (t == T_UNDER_YEARDAY) { if (yday < 100) buf_byte(32); if (yday < 10) buf_byte(32); put_int(yday, 1); }
    else if (t == T_ZERO_YEARDAY) put_int(yday, 3);
    else if (t == T_HOUR) put2(hour);
    else if (t == T_HOUR12 || t == T_ZERO_HOUR12) {
      let h = hour % 12;
      if (h == 0) h = 12;
      if (t == T_HOUR12) put_int(h, 1);
      else put2(h);
    } else if (t == T_MINUTE) put_int(min, 1);
    else if (t == T_ZERO_MINUTE) put2(min);
    else if (t == T_SECOND) put_int(sec, 1);
    else if (t == T_ZERO_SECOND) put2(sec);
    else if (t == T_PM) { buf_byte(hour >= 12 ? 80 : 65); buf_byte(77); }
    else if (t == T_pm) { buf_byte(hour >= 12 ? 112 : 97); buf_byte(109); }
    else if (t == T_TZ) {
      // The zone's abbreviation (Go's from tzdata); a host zone's is its offset as tzdata writes
      // one without letters: +08, +0545.
      const a = tz_abbr;
      if (a.length > 0) for (let k = 0; k < a.length; k++) buf_byte(<u8>a.charCodeAt(k));
      else fmt_offset(off, false, false, (off % 3600) == 0);
    } else if (t == T_ISO_TZ || t == T_NUM_TZ) {
      if (t == T_ISO_TZ && off == 0) buf_byte(90);
      else fmt_offset(off, tz_colon, tz_secs, tz_short);
    } else if (t == T_FRAC0 || t == T_FRAC9) {
      // Digits of the fraction; .999 trims trailing zeros (and the dot if nothing is left).
      let digits = tok_digits;
      let v = nsec;
      let scale: i64 = 100000000;
      if (t == T_FRAC9) {
        if (nsec == 0) continue;
        let last = 9;
        let tmp = nsec;
        while (last > 0 && tmp % 10 == 0) { tmp /= 10; last--; }
        if (last < digits) digits = last;
      }
      buf_byte(load<u8>(lp + li - tok_len));
      for (let k = 0; k < digits; k++) {
        buf_byte(<i32>(v / scale % 10) + 48);
        scale /= 10;
      }
    }
  }
}

function fmt_offset(off: i64, colon: bool, secs: bool, short: bool): void {
  let o = off;
  if (o < 0) { buf_byte(45); o = -o; } else buf_byte(43);
  put2(<i32>(o / 3600));
  if (short) return;
  if (colon) buf_byte(58);
  put2(<i32>((o / 60) % 60));
  if (secs) {
    if (colon) buf_byte(58);
    put2(<i32>(o % 60));
  }
}
