// Inventory explorer: every installed AI tool across the fleet, filtered by tool, version, vendor,
// vendor country, category, user, device and group (a device group's devices, or the installs a user
// group's people own — resolved by the server); paged by the server; the filtered view downloadable.
import { useState } from 'preact/hooks';
import { get } from '../api.ts';
import { useLoad, Show } from '../components/data.tsx';
import { Downloads, Pager, Table } from '../components/table.tsx';
import { ago } from '../format.ts';
import type { GroupItem, InventoryItem } from '../types.ts';

const FILTERS = [
  ['tool', 'Tool id'],
  ['version', 'Version'],
  ['vendor', 'Vendor'],
  ['vendor_country', 'Vendor country'],
  ['category', 'Category'],
  ['user', 'User'],
  ['hostname', 'Device name contains'],
] as const;
type FilterKey = (typeof FILTERS)[number][0] | 'group';
const PAGE = 50;

export function Inventory() {
  const initial = Object.fromEntries([...FILTERS.map(([k]) => k), 'group'].map((k) => [k, new URLSearchParams(location.search).get(k) ?? ''])) as Record<FilterKey, string>;
  const groups = useLoad(() => get<{ groups: GroupItem[] }>('/api/v1/groups'), []);
  const ofKind = (kind: GroupItem['kind']) => (groups.data?.groups ?? []).filter((g) => g.kind === kind);
  const [form, setForm] = useState(initial);
  const [applied, setApplied] = useState(initial);
  const [offset, setOffset] = useState(0);
  const items = useLoad(() => get<{ total: number; items: InventoryItem[] }>('/api/v1/inventory', { ...applied, limit: PAGE, offset }), [JSON.stringify(applied), offset]);
  const apply = (e: Event) => {
    e.preventDefault();
    setOffset(0);
    setApplied(form);
    const q = new URLSearchParams(Object.entries(form).filter(([, v]) => v !== ''));
    history.replaceState(null, '', `${location.pathname}${q.size > 0 ? `?${q.toString()}` : ''}`);
  };
  return (
    <>
      <h1>Inventory</h1>
      <form class="card no-print" onSubmit={apply} aria-label="Filter the inventory">
        <div class="form-grid">
          {FILTERS.map(([k, label]) => (
            <div key={k}>
              <label for={`f-${k}`}>{label}</label>
              <input id={`f-${k}`} value={form[k]} onInput={(e) => setForm({ ...form, [k]: e.currentTarget.value })} />
            </div>
          ))}
          <div>
            <label for="f-group">Group</label>
            <select id="f-group" value={form.group} onChange={(e) => setForm({ ...form, group: e.currentTarget.value })}>
              <option value="">(any)</option>
              {(['user', 'device'] as const).map((kind) => (
                <optgroup key={kind} label={kind === 'user' ? 'User groups (installs their people own)' : 'Device groups'}>
                  {ofKind(kind).map((g) => (
                    <option key={g.id} value={g.id}>
                      {g.name}
                    </option>
                  ))}
                </optgroup>
              ))}
            </select>
          </div>
          <div>
            <button type="submit" class="primary">
              Filter
            </button>
          </div>
        </div>
        <p class="hint">Exact matches, except the device name. A device group holds the devices its labels or rule match; a user group, the installs its people's OS logins own.</p>
      </form>
      <Show state={items}>
        {(d) => (
          <>
            <Table
              id="inventory"
              caption="Installed AI tools (latest inventory of each active device)"
              rows={d.items}
              rowKey={(r) => `${r.device_id}/${r.key}`}
              empty="Nothing matches."
              columns={[
                { key: 'hostname', label: 'device', render: (r) => <a href={`/console/devices/${encodeURIComponent(r.device_id)}`}>{r.hostname}</a> },
                { key: 'name', label: 'tool', render: (r) => `${r.name} (${r.tool})` },
                { key: 'version', label: 'version', render: (r) => r.version || '?' },
                { key: 'vendor', label: 'vendor' },
                { key: 'vendor_country', label: 'country', render: (r) => r.vendor_country ?? '—' },
                { key: 'channel', label: 'installed via' },
                { key: 'user', label: 'user', render: (r) => r.user ?? '(machine-wide)' },
                { key: 'updated_at', label: 'reported', render: (r) => ago(r.updated_at) },
              ]}
            />
            <Pager label="Inventory" total={d.total} limit={PAGE} offset={offset} onPage={setOffset} />
            <Downloads path="/api/v1/inventory" query={applied} what="this view" />
          </>
        )}
      </Show>
    </>
  );
}
