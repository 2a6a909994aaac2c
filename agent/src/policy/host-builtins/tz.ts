// warden.tz_offset(zone, unix_seconds): a time zone's UTC offset in seconds at an instant, from the
// host's zoneinfo (Node's ICU), for the zones the policy runtime's small table lacks — OPA's
// time.date / clock / weekday / format / diff accept any IANA zone (Go's tzdata). An unknown zone
// is undefined, which the runtime reports as OPA does ("unknown time zone X"). Go's zone names
// are case-sensitive: a name ICU knows only by another case is unknown.

const formats = new Map<string, Intl.DateTimeFormat | null>();

/**
 * Whether a name has IANA's capitalisation (ICU finds zones whatever their case; Go's zoneinfo
 * files do not): every part starts with a capital, and a part after the first without a small
 * letter is an Etc-style GMT/UTC name ("Etc/GMT+5"); a one-part name may be all capitals (EST5EDT).
 */
function ianaCase(zone: string): boolean {
  const parts = zone.split('/');
  return parts.every((p, i) => /^[A-Z]/.test(p) && (/[a-z]/.test(p) || (i === 0 ? p.length <= 3 || parts.length === 1 : /^(GMT|UTC|UCT|UT)([+-]?\d{1,2})?$/.test(p))));
}

function format(zone: string): Intl.DateTimeFormat | null {
  let f = formats.get(zone);
  if (f !== undefined) return f;
  f = null;
  if (/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(zone) && ianaCase(zone)) {
    try {
      const made = new Intl.DateTimeFormat('en-US', {
        timeZone: zone, hourCycle: 'h23', era: 'short', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
      });
      const resolved = made.resolvedOptions().timeZone;
      // A case variant of the name ICU resolves it to is not Go's name.
      if (resolved === zone || resolved.toLowerCase() !== zone.toLowerCase()) f = made;
    } catch {
      f = null;
    }
  }
  formats.set(zone, f);
  return f;
}

export function tzOffset(zone: unknown, unix: unknown): number | undefined {
  if (typeof zone !== 'string' || typeof unix !== 'number' || !Number.isFinite(unix)) return undefined;
  const f = format(zone);
  if (!f) return undefined;
  // Within the range of a JS Date; beyond it, the offset of its nearest end.
  const ms = Math.max(-8.64e15, Math.min(8.64e15, Math.floor(unix) * 1000));
  const parts: Record<string, string> = {};
  for (const p of f.formatToParts(new Date(ms))) parts[p.type] = p.value;
  const year = parts.era === 'BC' ? 1 - Number(parts.year) : Number(parts.year);
  const local = new Date(0);
  local.setUTCFullYear(year, Number(parts.month) - 1, Number(parts.day));
  local.setUTCHours(Number(parts.hour), Number(parts.minute), Number(parts.second), 0);
  return Math.round((local.getTime() - (ms - (((ms % 1000) + 1000) % 1000))) / 1000);
}
