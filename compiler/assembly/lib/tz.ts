// A small built-in time zone table: WASM has no zoneinfo database, so only UTC, fixed offsets and a
// few common zones with their current daylight-saving rules (EU since 1996, US since 2007) are
// known here. "Local" is UTC (the sandbox has no local zone). Any other IANA zone is asked of the
// host when the linker set opa_rt_tz_host (a policy calling a zone-taking time builtin, compiled
// for a host that supplies `warden.tz_offset`: the host's zoneinfo, every rule and its history, as
// Go's tzdata in OPA); without it, such a zone is unknown.

import { days_from_civil, weekday, civil_from_days, cy, fdiv } from './civil';
import { opa_string, opa_number_int, vtype, num_to_f64, TYPE_NUMBER } from '../value';

export const TZ_UNKNOWN: i32 = -1;
/** The zone last looked up is the host's (its name in hostZone). */
const TZ_HOST: i32 = 0x7fff0000;

/**
 * 1 + the builtins() id of the host's `warden.tz_offset(zone, unix_seconds)` (the UTC offset in
 * seconds, undefined for an unknown zone); 0 when the host is not asked. Set by the linker.
 */
export let opa_rt_tz_host: i32 = 0;

@external('env', 'opa_builtin2')
declare function host_builtin2(id: i32, ctx: i32, a: usize, b: usize): usize;

let hostZone: usize = 0;

/** The host's offset (seconds) of the zone value at unix seconds, or null when it has none. */
function host_offset(zone: usize, unix: i64): usize {
  const r = host_builtin2(opa_rt_tz_host - 1, 0, zone, opa_number_int(unix));
  return r != 0 && vtype(r) == TYPE_NUMBER ? r : 0;
}

const RULE_NONE = 0;
const RULE_EU = 1;
const RULE_US = 2;

function eq(p: usize, n: usize, s: string): bool {
  if (<usize>s.length != n) return false;
  for (let i: usize = 0; i < n; i++) if (<i32>load<u8>(p + i) != s.charCodeAt(<i32>i)) return false;
  return true;
}

let zoneOff: i32 = 0;
let zoneRule: i32 = 0;
// Go's (tzdata's) abbreviations of the zone looked up last: standard and daylight time.
let zoneStd = 'UTC';
let zoneDst = '';

/**
 * The abbreviation of the last tz_offset answer (time.format's MST), as Go prints it; '' for a
 * host zone, whose abbreviation is its offset in tzdata's numeric form (see tz_abbr_numeric).
 */
export let tz_abbr = 'UTC';

function abbr(std: string, dst: string): void {
  zoneStd = std;
  zoneDst = dst;
}

/** Looks a zone name up; returns an id >= 0 (opaque) or TZ_UNKNOWN. */
export function tz_lookup(p: usize, n: usize): i32 {
  zoneRule = RULE_NONE;
  abbr('UTC', '');
  if (n == 0 || eq(p, n, 'UTC') || eq(p, n, 'Local') || eq(p, n, 'Etc/UTC') || eq(p, n, 'Zulu')) zoneOff = 0;
  else if (eq(p, n, 'GMT')) { zoneOff = 0; abbr('GMT', ''); }
  else if (eq(p, n, 'CET') || eq(p, n, 'Europe/Berlin') || eq(p, n, 'Europe/Paris') || eq(p, n, 'Europe/Amsterdam') ||
    eq(p, n, 'Europe/Madrid') || eq(p, n, 'Europe/Rome') || eq(p, n, 'Europe/Stockholm') || eq(p, n, 'Europe/Vienna') ||
    eq(p, n, 'Europe/Zurich') || eq(p, n, 'Europe/Brussels') || eq(p, n, 'Europe/Warsaw') || eq(p, n, 'Europe/Prague') ||
    eq(p, n, 'Europe/Oslo') || eq(p, n, 'Europe/Copenhagen')) {
    zoneOff = 60; zoneRule = RULE_EU; abbr('CET', 'CEST');
  } else if (eq(p, n, 'MET')) {
    zoneOff = 60; zoneRule = RULE_EU; abbr('MET', 'MEST');
  } else if (eq(p, n, 'WET') || eq(p, n, 'Europe/Lisbon')) {
    zoneOff = 0; zoneRule = RULE_EU; abbr('WET', 'WEST');
  } else if (eq(p, n, 'Europe/London')) {
    zoneOff = 0; zoneRule = RULE_EU; abbr('GMT', 'BST');
  } else if (eq(p, n, 'Europe/Dublin')) {
    zoneOff = 0; zoneRule = RULE_EU; abbr('GMT', 'IST');
  } else if (eq(p, n, 'EET') || eq(p, n, 'Europe/Helsinki') || eq(p, n, 'Europe/Athens') || eq(p, n, 'Europe/Kiev') ||
    eq(p, n, 'Europe/Kyiv') || eq(p, n, 'Europe/Bucharest') || eq(p, n, 'Europe/Sofia') || eq(p, n, 'Europe/Riga') ||
    eq(p, n, 'Europe/Vilnius') || eq(p, n, 'Europe/Tallinn')) {
    zoneOff = 120; zoneRule = RULE_EU; abbr('EET', 'EEST');
  } else if (eq(p, n, 'America/New_York') || eq(p, n, 'US/Eastern') || eq(p, n, 'EST5EDT') || eq(p, n, 'America/Toronto')) {
    zoneOff = -300; zoneRule = RULE_US; abbr('EST', 'EDT');
  } else if (eq(p, n, 'America/Chicago') || eq(p, n, 'US/Central') || eq(p, n, 'CST6CDT')) {
    zoneOff = -360; zoneRule = RULE_US; abbr('CST', 'CDT');
  } else if (eq(p, n, 'America/Denver') || eq(p, n, 'US/Mountain') || eq(p, n, 'MST7MDT')) {
    zoneOff = -420; zoneRule = RULE_US; abbr('MST', 'MDT');
  } else if (eq(p, n, 'America/Los_Angeles') || eq(p, n, 'US/Pacific') || eq(p, n, 'PST8PDT') || eq(p, n, 'America/Vancouver')) {
    zoneOff = -480; zoneRule = RULE_US; abbr('PST', 'PDT');
  } else if (eq(p, n, 'EST')) { zoneOff = -300; abbr('EST', ''); }
  else if (eq(p, n, 'MST') || eq(p, n, 'America/Phoenix')) { zoneOff = -420; abbr('MST', ''); }
  else if (eq(p, n, 'HST') || eq(p, n, 'Pacific/Honolulu')) { zoneOff = -600; abbr('HST', ''); }
  else if (eq(p, n, 'Asia/Tokyo') || eq(p, n, 'Japan')) { zoneOff = 540; abbr('JST', ''); }
  else if (eq(p, n, 'Asia/Seoul')) { zoneOff = 540; abbr('KST', ''); }
  else if (eq(p, n, 'Asia/Shanghai') || eq(p, n, 'Asia/Taipei') || eq(p, n, 'PRC')) { zoneOff = 480; abbr('CST', ''); }
  else if (eq(p, n, 'Asia/Hong_Kong')) { zoneOff = 480; abbr('HKT', ''); }
  else if (eq(p, n, 'Asia/Singapore')) { zoneOff = 480; abbr('+08', ''); }
  else if (eq(p, n, 'Asia/Kolkata') || eq(p, n, 'Asia/Calcutta')) { zoneOff = 330; abbr('IST', ''); }
  else if (eq(p, n, 'Asia/Dubai')) { zoneOff = 240; abbr('+04', ''); }
  else if (eq(p, n, 'Europe/Moscow')) { zoneOff = 180; abbr('MSK', ''); }
  else if (eq(p, n, 'Europe/Istanbul')) { zoneOff = 180; abbr('+03', ''); }
  else if (eq(p, n, 'America/Sao_Paulo')) { zoneOff = -180; abbr('-03', ''); }
  else if (opa_rt_tz_host != 0) {
    hostZone = opa_string(p, <u32>n);
    abbr('', '');
    return host_offset(hostZone, 0) != 0 ? TZ_HOST : TZ_UNKNOWN;
  } else return TZ_UNKNOWN;
  return (zoneRule << 16) | ((zoneOff + 1440) & 0xffff);
}

// Unix seconds of the n-th (1-based; 0 = last) Sunday of month m in year y, at `hourUtc`.
function sunday(y: i64, m: i32, nth: i32, secOfDay: i64): i64 {
  let day: i64;
  if (nth == 0) {
    const next = days_from_civil(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1);
    const last = next - 1;
    day = last - <i64>weekday(last);
  } else {
    const first = days_from_civil(y, m, 1);
    const w = weekday(first);
    day = first + <i64>((7 - w) % 7) + <i64>(7 * (nth - 1));
  }
  return day * 86400 + secOfDay;
}

/** UTC offset in seconds of zone id at the instant `unix` (seconds). */
export function tz_offset(id: i32, unix: i64): i64 {
  if (id == TZ_HOST) {
    tz_abbr = '';
    const r = host_offset(hostZone, unix);
    return r != 0 ? <i64>num_to_f64(r) : 0;
  }
  const off = table_offset(id, unix);
  tz_abbr = off != <i64>((id & 0xffff) - 1440) * 60 && zoneDst.length > 0 ? zoneDst : zoneStd;
  return off;
}

function table_offset(id: i32, unix: i64): i64 {
  const rule = id >> 16;
  const std = <i64>((id & 0xffff) - 1440) * 60;
  if (rule == RULE_NONE) return std;
  civil_from_days(fdiv(unix + std, 86400));
  const y = cy;
  if (rule == RULE_EU) {
    // 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of October.
    const start = sunday(y, 3, 0, 3600);
    const end = sunday(y, 10, 0, 3600);
    return unix >= start && unix < end ? std + 3600 : std;
  }
  // US: 02:00 local standard time on the second Sunday of March to 02:00 local daylight time
  // on the first Sunday of November.
  const start = sunday(y, 3, 2, 7200) - std;
  const end = sunday(y, 11, 1, 7200) - std - 3600;
  return unix >= start && unix < end ? std + 3600 : std;
}
