// The console's inventory aggregates (reports inventory-by-tool, -version, -vendor, -vendor-country;
// three of them are on the overview page), kept in memory and brought up to date incrementally.
// Four GROUP BY … COUNT(DISTINCT device_id) queries over 100,000 rows cost 0.3–0.9 s each here; the
// rollup reads the whole inventory once, and afterwards only the devices whose inventory changed.
//
// How it stays exact: every inventory write (full or delta) raises the device's inventory_at and
// inventory_seq in the same transaction as its rows. A refresh reads the active fleet's fingerprint
// (count, Σ seq, Σ inventory_at, max inventory_at over devices with an inventory); when it moved,
// the devices with inventory_at ≥ the last maximum are re-read and their contribution replaced, then
// the rollup's own fingerprint (from the devices it holds) must equal the database's — anything
// else (a revocation, a re-enrollment) rebuilds it whole. Every server node reads the database, so
// every node sees every change.
import type { SqlExecutor } from './sql-driver.ts';
import type { CountRow, InventoryGrouping } from './types.ts';

type Row = Record<string, unknown>;
const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));

export type Rollup = Record<Exclude<InventoryGrouping, 'device'>, CountRow[]>;

const ACTIVE = "state = 'active' AND inventory_at IS NOT NULL";
const FINGERPRINT_SQL = `SELECT COUNT(*) AS n, CAST(COALESCE(SUM(inventory_seq), 0) AS TEXT) AS seq, CAST(COALESCE(SUM(inventory_at), 0) AS TEXT) AS at, MAX(inventory_at) AS last FROM devices WHERE ${ACTIVE}`;
const CHUNK = 500;
const SEP = '\u0000';

/** Per composite key: devices holding it and rows (installs) with it. */
type Counts = Map<string, { devices: number; installs: number }>;

interface DeviceEntry {
  seq: bigint;
  at: bigint;
  /** This device's rows as interned strings, 5 per row (tool, name, vendor, country, version): ~200 bytes a device. */
  rows: Uint32Array;
}

/** The composite keys one inventory row counts under (dimension letter + values). */
function keysOf(t: string, n: string, v: string, c: string, ver: string): string[] {
  return [`T${SEP}${t}`, `V${SEP}${t}${SEP}${ver}`, `v${SEP}${v}`, `c${SEP}${c}`, `Tv${SEP}${t}${SEP}${v}`, `Tn${SEP}${t}${SEP}${n}`, `vT${SEP}${v}${SEP}${t}`, `cv${SEP}${c}${SEP}${v}`, `cT${SEP}${c}${SEP}${t}`, `Vn${SEP}${t}${SEP}${ver}${SEP}${n}`];
}

/** Binary string order, as SQLite's default collation sorts. */
const cmp = (a: unknown, b: unknown): number => (str(a) < str(b) ? -1 : str(a) > str(b) ? 1 : 0);
const byDevicesThen = (k: string) => (a: CountRow, b: CountRow): number => b.devices - a.devices || cmp(a[k], b[k]);

export class InventoryRollupCache {
  private devices = new Map<string, DeviceEntry>();
  private strings: string[] = [];
  private ids = new Map<string, number>();
  private counts: Counts = new Map();
  private fingerprint: string | null = null;
  private maxAt = 0n;
  private output: Rollup | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  /** Devices read by the last refresh (for the benches and tests); -1 when nothing changed. */
  lastRefresh = { full: false, devices: -1 };

  constructor(private readonly db: SqlExecutor) {}

  /** The rollup as of now; concurrent callers share one refresh. */
  get(): Promise<Rollup> {
    const run = this.chain.then(() => this.refresh());
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async refresh(): Promise<Rollup> {
    const f = await this.db.get<Row>(FINGERPRINT_SQL);
    const fp = [f?.n, f?.seq, f?.at].map((x) => str(x ?? 0)).join('/');
    if (this.output && fp === this.fingerprint) {
      this.lastRefresh = { full: false, devices: -1 };
      return this.output;
    }
    if (this.fingerprint !== null) {
      const changed = await this.db.all<Row>(`SELECT id, inventory_seq, inventory_at FROM devices WHERE ${ACTIVE} AND inventory_at >= ?`, [Number(this.maxAt)]);
      await this.load(changed);
      if (this.ownFingerprint() === fp) {
        this.lastRefresh = { full: false, devices: changed.length };
        return this.finish(fp);
      }
    }
    // First use, or a change the increment cannot explain (revocation, re-enrollment): rebuild.
    this.devices = new Map();
    this.counts = new Map();
    this.strings = []; // versions come and go: the intern table starts over with the rebuild
    this.ids = new Map();
    const all = await this.db.all<Row>(`SELECT id, inventory_seq, inventory_at FROM devices WHERE ${ACTIVE} ORDER BY id`);
    await this.load(all);
    this.lastRefresh = { full: true, devices: all.length };
    // Writes that landed meanwhile are in the rows read but not in fp: the next refresh catches up.
    return this.finish(this.ownFingerprint());
  }

  private finish(fp: string): Rollup {
    this.fingerprint = fp;
    this.output = this.render();
    return this.output;
  }

  private ownFingerprint(): string {
    let seq = 0n;
    let at = 0n;
    for (const d of this.devices.values()) {
      seq += d.seq;
      at += d.at;
    }
    return `${this.devices.size}/${seq}/${at}`;
  }

  /** Re-reads these devices' rows and replaces their contribution to the counts. */
  private async load(devs: Row[]): Promise<void> {
    for (let i = 0; i < devs.length; i += CHUNK) {
      const chunk = devs.slice(i, i + CHUNK);
      const ids = chunk.map((d) => str(d.id));
      const rows = await this.db.all<Row>(
        `SELECT device_id AS d, tool_id AS t, name AS n, vendor AS v, vendor_country AS c, version AS ver FROM inventory_items WHERE device_id IN (${ids.map(() => '?').join(',')})`,
        ids,
      );
      const fresh = new Map<string, number[]>(ids.map((id) => [id, []]));
      for (const r of rows) fresh.get(str(r.d))?.push(this.intern(r.t), this.intern(r.n), this.intern(r.v), this.intern(r.c), this.intern(r.ver));
      for (const d of chunk) {
        const id = str(d.id);
        const old = this.devices.get(id);
        if (old) this.apply(old.rows, -1);
        const mine = Uint32Array.from(fresh.get(id) ?? []);
        this.apply(mine, 1);
        const at = BigInt(str(d.inventory_at) || '0');
        this.devices.set(id, { seq: BigInt(str(d.inventory_seq) || '0'), at, rows: mine });
        if (at > this.maxAt) this.maxAt = at;
      }
    }
  }

  private intern(v: unknown): number {
    const s = str(v);
    let i = this.ids.get(s);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(s);
      this.ids.set(s, i);
    }
    return i;
  }

  /** Adds (or takes away) one device's rows: each composite key counts the device once and every row. */
  private apply(packed: Uint32Array, sign: 1 | -1): void {
    const keys = new Map<string, number>();
    const at = (i: number): string => this.strings[packed[i] ?? 0] ?? '';
    for (let i = 0; i < packed.length; i += 5) {
      for (const k of keysOf(at(i), at(i + 1), at(i + 2), at(i + 3), at(i + 4))) keys.set(k, (keys.get(k) ?? 0) + 1);
    }
    for (const [k, rows] of keys) {
      const c = this.counts.get(k) ?? { devices: 0, installs: 0 };
      c.devices += sign;
      c.installs += sign * rows;
      if (c.devices === 0) this.counts.delete(k);
      else this.counts.set(k, c);
    }
  }

  private render(): Rollup {
    const dim = new Map<string, [string[], { devices: number; installs: number }][]>();
    for (const [k, c] of this.counts) {
      const [d = '', ...vals] = k.split(SEP);
      const list = dim.get(d) ?? [];
      list.push([vals, c]);
      dim.set(d, list);
    }
    const rows = (d: string) => dim.get(d) ?? [];
    const maxBy = (d: string): Map<string, string> => {
      const m = new Map<string, string>();
      for (const [[a = '', b = '']] of rows(d)) if (!m.has(a) || b > (m.get(a) ?? '')) m.set(a, b);
      return m;
    };
    const countBy = (d: string): Map<string, number> => {
      const m = new Map<string, number>();
      for (const [[a = '']] of rows(d)) m.set(a, (m.get(a) ?? 0) + 1);
      return m;
    };
    const names = maxBy('Tn');
    const versionNames = new Map<string, string>();
    for (const [[t = '', ver = '', n = '']] of rows('Vn')) {
      const k = `${t}${SEP}${ver}`;
      if (!versionNames.has(k) || n > (versionNames.get(k) ?? '')) versionNames.set(k, n);
    }
    const vendorOf = maxBy('Tv');
    const toolsPerVendor = countBy('vT');
    const vendorsPerCountry = countBy('cv');
    const toolsPerCountry = countBy('cT');
    return {
      tool: rows('T').map(([[t = ''], c]): CountRow => ({ tool_id: t, name: names.get(t) ?? '', vendor: vendorOf.get(t) ?? '', devices: c.devices, installs: c.installs })).sort(byDevicesThen('tool_id')),
      version: rows('V')
        .map(([[t = '', ver = ''], c]): CountRow => ({ tool_id: t, name: versionNames.get(`${t}${SEP}${ver}`) ?? '', version: ver, devices: c.devices, installs: c.installs }))
        .sort((a, b) => cmp(a.tool_id, b.tool_id) || cmp(a.version, b.version)),
      vendor: rows('v').map(([[v = ''], c]): CountRow => ({ vendor: v, tools: toolsPerVendor.get(v) ?? 0, devices: c.devices, installs: c.installs })).sort(byDevicesThen('vendor')),
      vendor_country: rows('c')
        .map(([[k = ''], c]): CountRow => ({ vendor_country: k, vendors: vendorsPerCountry.get(k) ?? 0, tools: toolsPerCountry.get(k) ?? 0, devices: c.devices, installs: c.installs }))
        .sort(byDevicesThen('vendor_country')),
    };
  }
}
