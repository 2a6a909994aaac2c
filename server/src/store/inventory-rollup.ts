// The console's inventory aggregates (reports inventory-by-tool, -version, -vendor, -vendor-country;
// three of them are on the overview page) from one pass over the active fleet's inventory rows,
// cached until the fleet's inventory changes. Four GROUP BY … COUNT(DISTINCT device_id) queries
// over 100,000 rows cost 0.3–0.9 s each here; one narrow scan feeds all four, and a page that
// asks for three of them at once shares it.
//
// "Until the inventory changes" is exact, not a time-to-live: every inventory write (full or delta)
// raises the device's inventory_at and inventory_seq in the same transaction as its rows, and a
// revocation or re-enrollment changes the active count, so the fingerprint below moves with any
// change that could move a figure — on every server node, since it is read from the database.
import type { SqlExecutor } from './sql-driver.ts';
import type { CountRow, InventoryGrouping } from './types.ts';

type Row = Record<string, unknown>;
const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));

const FINGERPRINT_SQL = "SELECT COUNT(*) AS n, SUM(inventory_seq) AS seq, SUM(inventory_at) AS at, MAX(inventory_at) AS last FROM devices WHERE state = 'active'";
const PAGE = 500;

export type Rollup = Record<Exclude<InventoryGrouping, 'device'>, CountRow[]>;

interface Acc {
  devices: Set<string>;
  installs: number;
  tools?: Set<string>;
  vendors?: Set<string>;
  name?: string;
}

function bump(m: Map<string, Acc>, key: string, device: string, extra?: (a: Acc) => void): void {
  let a = m.get(key);
  if (!a) m.set(key, (a = { devices: new Set(), installs: 0 }));
  a.devices.add(device);
  a.installs++;
  extra?.(a);
}

/** Binary string order, as SQLite's default collation sorts. */
const cmp = (a: unknown, b: unknown): number => (str(a) < str(b) ? -1 : str(a) > str(b) ? 1 : 0);
const byDevicesThen = (k: string) => (a: CountRow, b: CountRow): number => b.devices - a.devices || cmp(a[k], b[k]);

/** Reads the active fleet's inventory once (in pages) and returns every grouping the SQL reports gave. */
export async function computeRollup(db: SqlExecutor): Promise<Rollup> {
  const tool = new Map<string, Acc>();
  const version = new Map<string, Acc>();
  const vendor = new Map<string, Acc>();
  const country = new Map<string, Acc>();
  const versionKey = new Map<string, [string, string]>();
  // Device by device, 500 at a time (the primary key's prefix): bounded memory, no sort.
  const ids = (await db.all<Row>("SELECT id FROM devices WHERE state = 'active' AND inventory_at IS NOT NULL ORDER BY id")).map((r) => str(r.id));
  for (let i = 0; i < ids.length; i += PAGE) {
    const chunk = ids.slice(i, i + PAGE);
    const rows = await db.all<Row>(
      `SELECT device_id AS d, tool_id AS t, name AS n, vendor AS v, vendor_country AS c, version AS ver FROM inventory_items WHERE device_id IN (${chunk.map(() => '?').join(',')})`,
      chunk,
    );
    for (const r of rows) {
      const [d, t, n, v, c, ver] = [str(r.d), str(r.t), str(r.n), str(r.v), str(r.c), str(r.ver)];
      bump(tool, t, d, (a) => {
        a.name = a.name === undefined || n > a.name ? n : a.name; // MAX(name), as the SQL report had it
        a.vendors ??= new Set();
        a.vendors.add(v);
      });
      const vk = `${t}\u0000${ver}`;
      if (!versionKey.has(vk)) versionKey.set(vk, [t, ver]);
      bump(version, vk, d);
      bump(vendor, v, d, (a) => (a.tools ??= new Set()).add(t));
      bump(country, c, d, (a) => {
        (a.tools ??= new Set()).add(t);
        (a.vendors ??= new Set()).add(v);
      });
    }
  }
  const maxOf = (s: Set<string> | undefined): string => [...(s ?? [])].reduce((m, x) => (x > m ? x : m), '');
  return {
    tool: [...tool].map(([k, a]): CountRow => ({ tool_id: k, name: a.name ?? '', vendor: maxOf(a.vendors), devices: a.devices.size, installs: a.installs })).sort(byDevicesThen('tool_id')),
    version: [...version]
      .map(([k, a]): CountRow => {
        const [t, ver] = versionKey.get(k) ?? ['', ''];
        return { tool_id: t, name: tool.get(t)?.name ?? '', version: ver, devices: a.devices.size, installs: a.installs };
      })
      .sort((a, b) => cmp(a.tool_id, b.tool_id) || cmp(a.version, b.version)),
    vendor: [...vendor].map(([k, a]): CountRow => ({ vendor: k, tools: a.tools?.size ?? 0, devices: a.devices.size, installs: a.installs })).sort(byDevicesThen('vendor')),
    vendor_country: [...country].map(([k, a]): CountRow => ({ vendor_country: k, vendors: a.vendors?.size ?? 0, tools: a.tools?.size ?? 0, devices: a.devices.size, installs: a.installs })).sort(byDevicesThen('vendor_country')),
  };
}

/** The rollup, recomputed only when the fleet's inventory fingerprint moved; concurrent callers share one computation. */
export class InventoryRollupCache {
  private cached: { fingerprint: string; rollup: Promise<Rollup> } | null = null;

  constructor(private readonly db: SqlExecutor) {}

  async get(): Promise<Rollup> {
    const f = await this.db.get<Row>(FINGERPRINT_SQL);
    const fingerprint = [f?.n, f?.seq, f?.at, f?.last].map(str).join('/');
    if (this.cached?.fingerprint !== fingerprint) {
      const rollup = computeRollup(this.db);
      const entry = { fingerprint, rollup };
      this.cached = entry;
      rollup.catch(() => {
        if (this.cached === entry) this.cached = null;
      });
    }
    return this.cached.rollup;
  }
}
