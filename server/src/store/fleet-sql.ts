// The console's fleet queries, kept apart from the core repository (sql-repository.ts) and written in
// the same portable SQL. Everything a console page lists is filtered, counted and paged here, so a
// page stays fast at 10,000 devices and 100,000 inventory rows.
import type { Dialect, SqlExecutor, SqlValue } from './sql-driver.ts';
import type { ComplianceSample, FleetDeviceFilter, FleetSummary, InventoryFilter } from './types.ts';

type Row = Record<string, unknown>;
const num = (v: unknown): number => Number(v ?? 0);

/** LIKE pattern for a case-insensitive substring, with the user's % and _ taken literally. */
export function containsPattern(s: string): string {
  return `%${s.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * `IN` over a list bound as one JSON-array parameter: no parameter limit and no chunking, so a group
 * of 10,000 devices filters, counts and pages in one query on either database.
 */
export function inJsonList(dialect: Dialect): string {
  return dialect === 'postgres' ? 'IN (SELECT jsonb_array_elements_text(CAST(? AS jsonb)))' : 'IN (SELECT value FROM json_each(?))';
}

/** WHERE clause (over inventory_items i JOIN devices d) for an inventory filter. */
export function inventoryWhere(f: InventoryFilter, dialect: Dialect): { sql: string; vals: SqlValue[] } {
  const where: string[] = ["d.state = 'active'"];
  const vals: SqlValue[] = [];
  const eq: [keyof InventoryFilter, string][] = [
    ['toolId', 'i.tool_id'], ['vendor', 'i.vendor'], ['vendorCountry', 'i.vendor_country'], ['category', 'i.category'],
    ['version', 'i.version'], ['deviceId', 'i.device_id'], ['user', 'i.user_name'],
  ];
  for (const [key, col] of eq) {
    const v = f[key];
    if (typeof v === 'string') {
      where.push(`${col} = ?`);
      vals.push(v);
    }
  }
  if (f.hostname !== undefined) {
    where.push("LOWER(d.hostname) LIKE ? ESCAPE '\\'");
    vals.push(containsPattern(f.hostname));
  }
  if (f.deviceIds !== undefined) {
    where.push(`i.device_id ${inJsonList(dialect)}`);
    vals.push(JSON.stringify(f.deviceIds));
  }
  if (f.logins !== undefined) {
    // Logins compare without case. SQLite: the spellings present are found on the user_name index
    // first and the rows looked up by it (3x faster than LOWER() on every row at 100,000 rows);
    // PostgreSQL plans the plain form better (measured with bench/console-api.ts).
    where.push(
      dialect === 'sqlite'
        ? `i.user_name IN (SELECT DISTINCT u.user_name FROM inventory_items u WHERE LOWER(u.user_name) ${inJsonList(dialect)})`
        : `LOWER(i.user_name) ${inJsonList(dialect)}`,
    );
    vals.push(JSON.stringify(f.logins));
  }
  return { sql: where.join(' AND '), vals };
}

function deviceWhere(f: FleetDeviceFilter): { sql: string; vals: SqlValue[] } {
  const where: string[] = [];
  const vals: SqlValue[] = [];
  if (f.state !== undefined) {
    where.push('state = ?');
    vals.push(f.state);
  }
  if (f.compliance === 'unknown') where.push('compliance IS NULL');
  else if (f.compliance !== undefined) {
    where.push('compliance = ?');
    vals.push(f.compliance);
  }
  if (f.hostname !== undefined) {
    where.push("LOWER(hostname) LIKE ? ESCAPE '\\'");
    vals.push(containsPattern(f.hostname));
  }
  if (f.bundle !== undefined) {
    const rev = f.currentRevision ?? null;
    if (f.bundle === 'current') {
      where.push(rev === null ? '1 = 0' : 'bundle_revision = ?');
      if (rev !== null) vals.push(rev);
    } else {
      where.push(rev === null ? '1 = 1' : '(bundle_revision IS NULL OR bundle_revision <> ?)');
      if (rev !== null) vals.push(rev);
    }
  }
  return { sql: where.length > 0 ? where.join(' AND ') : '1 = 1', vals };
}

export async function listFleetDevices(db: SqlExecutor, f: FleetDeviceFilter, limit: number, offset: number): Promise<{ total: number; rows: Row[] }> {
  const w = deviceWhere(f);
  const total = num((await db.get<Row>(`SELECT COUNT(*) AS n FROM devices WHERE ${w.sql}`, w.vals))?.n);
  const rows = await db.all<Row>(`SELECT * FROM devices WHERE ${w.sql} ORDER BY hostname, id LIMIT ? OFFSET ?`, [...w.vals, limit, offset]);
  return { total, rows };
}

export async function fleetSummary(db: SqlExecutor, seenSince: number): Promise<FleetSummary> {
  const [totals, versions, revisions, platforms] = await Promise.all([
    db.get<Row>(
      `SELECT COUNT(*) AS devices,
        SUM(CASE WHEN state = 'active' THEN 1 ELSE 0 END) AS active,
        SUM(CASE WHEN state = 'revoked' THEN 1 ELSE 0 END) AS revoked,
        SUM(CASE WHEN state = 'active' AND last_seen_at >= ? THEN 1 ELSE 0 END) AS seen,
        SUM(CASE WHEN state = 'active' AND compliance = 'compliant' THEN 1 ELSE 0 END) AS compliant,
        SUM(CASE WHEN state = 'active' AND compliance = 'noncompliant' THEN 1 ELSE 0 END) AS noncompliant,
        SUM(CASE WHEN state = 'active' AND compliance IS NULL THEN 1 ELSE 0 END) AS unknown
       FROM devices`,
      [seenSince],
    ),
    db.all<Row>("SELECT agent_version AS v, COUNT(*) AS n FROM devices WHERE state = 'active' GROUP BY agent_version ORDER BY n DESC, v LIMIT 50"),
    db.all<Row>("SELECT bundle_revision AS v, COUNT(*) AS n FROM devices WHERE state = 'active' GROUP BY bundle_revision ORDER BY n DESC LIMIT 50"),
    db.all<Row>("SELECT platform AS v, COUNT(*) AS n FROM devices WHERE state = 'active' GROUP BY platform ORDER BY n DESC, v"),
  ]);
  return {
    devices: num(totals?.devices),
    active: num(totals?.active),
    revoked: num(totals?.revoked),
    seenSince: num(totals?.seen),
    compliance: { compliant: num(totals?.compliant), noncompliant: num(totals?.noncompliant), unknown: num(totals?.unknown) },
    agentVersions: versions.map((r) => ({ version: String(r.v), devices: num(r.n) })),
    bundleRevisions: revisions.map((r) => ({ revision: r.v === null || r.v === undefined ? null : String(r.v), devices: num(r.n) })),
    platforms: platforms.map((r) => ({ platform: String(r.v), devices: num(r.n) })),
  };
}

function toSample(r: Row): ComplianceSample {
  return {
    at: num(r.at), devices: num(r.devices), compliant: num(r.compliant), noncompliant: num(r.noncompliant), unknown: num(r.unknown),
    bundleCurrent: num(r.bundle_current), bundleRevision: r.bundle_revision === null || r.bundle_revision === undefined ? null : String(r.bundle_revision),
  };
}

export async function sampleCompliance(db: SqlExecutor, at: number, currentRevision: string | null, minGapMs: number): Promise<ComplianceSample | null> {
  const now = await db.get<Row>(
    `SELECT COUNT(*) AS devices,
      SUM(CASE WHEN compliance = 'compliant' THEN 1 ELSE 0 END) AS compliant,
      SUM(CASE WHEN compliance = 'noncompliant' THEN 1 ELSE 0 END) AS noncompliant,
      SUM(CASE WHEN compliance IS NULL THEN 1 ELSE 0 END) AS unknown,
      SUM(CASE WHEN bundle_revision = ? THEN 1 ELSE 0 END) AS bundle_current
     FROM devices WHERE state = 'active'`,
    [currentRevision ?? ''],
  );
  const sample = toSample({ ...now, at, bundle_revision: currentRevision });
  const last = await db.get<Row>('SELECT * FROM compliance_history ORDER BY at DESC, seq DESC LIMIT 1');
  if (last) {
    const prev = toSample(last);
    const same = prev.devices === sample.devices && prev.compliant === sample.compliant && prev.noncompliant === sample.noncompliant && prev.unknown === sample.unknown && prev.bundleCurrent === sample.bundleCurrent && prev.bundleRevision === sample.bundleRevision;
    if (same && at - prev.at < minGapMs) return null;
  }
  await db.run('INSERT INTO compliance_history (at, devices, compliant, noncompliant, unknown, bundle_current, bundle_revision) VALUES (?, ?, ?, ?, ?, ?, ?)', [
    sample.at, sample.devices, sample.compliant, sample.noncompliant, sample.unknown, sample.bundleCurrent, sample.bundleRevision,
  ]);
  return sample;
}

export async function complianceHistory(db: SqlExecutor, since: number): Promise<ComplianceSample[]> {
  // At most 2,000 points: more than a chart can show; the newest are kept.
  const rows = await db.all<Row>('SELECT * FROM compliance_history WHERE at >= ? ORDER BY at DESC, seq DESC LIMIT 2000', [since]);
  return rows.map(toSample).reverse();
}
