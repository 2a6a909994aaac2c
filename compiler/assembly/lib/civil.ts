// Proleptic Gregorian calendar arithmetic (days since 1970-01-01), after Howard Hinnant's
// days_from_civil / civil_from_days algorithms; valid for the whole i64 day range we use.

export let cy: i64 = 0;
export let cm: i32 = 0;
export let cd: i32 = 0;

function floor_div(a: i64, b: i64): i64 {
  const q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

export function days_from_civil(y: i64, m: i32, d: i32): i64 {
  const yy = m <= 2 ? y - 1 : y;
  const era = floor_div(yy, 400);
  const yoe = yy - era * 400;
  const mp = <i64>((m + 9) % 12);
  const doy = (153 * mp + 2) / 5 + <i64>d - 1;
  const doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

/** Sets cy, cm, cd from a day number. */
export function civil_from_days(z0: i64): void {
  const z = z0 + 719468;
  const era = floor_div(z, 146097);
  const doe = z - era * 146097;
  const yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const mp = (5 * doy + 2) / 153;
  cd = <i32>(doy - (153 * mp + 2) / 5 + 1);
  cm = <i32>(mp < 10 ? mp + 3 : mp - 9);
  cy = yoe + era * 400 + (cm <= 2 ? 1 : 0);
}

/** 0 = Sunday. */
export function weekday(days: i64): i32 {
  return <i32>(((days % 7) + 11) % 7);
}

export function is_leap(y: i64): bool {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

export function days_in_month(y: i64, m: i32): i32 {
  if (m == 2) return is_leap(y) ? 29 : 28;
  return m == 4 || m == 6 || m == 9 || m == 11 ? 30 : 31;
}

/** Floor division helpers exported for time code. */
export function fdiv(a: i64, b: i64): i64 {
  return floor_div(a, b);
}

export function fmod(a: i64, b: i64): i64 {
  return a - floor_div(a, b) * b;
}

/**
 * Normalises (y, m, d, h, mi, s) like Go's time.Date (months/days/hours may overflow) and returns
 * seconds since the epoch for that wall clock in UTC.
 */
export function wall_to_unix(y: i64, m: i64, d: i64, h: i64, mi: i64, s: i64): i64 {
  const m0 = m - 1;
  const yy = y + fdiv(m0, 12);
  const mm = <i32>(fmod(m0, 12) + 1);
  const days = days_from_civil(yy, mm, 1) + d - 1;
  return days * 86400 + h * 3600 + mi * 60 + s;
}
