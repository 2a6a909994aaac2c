// Groups: the user groups (from the identity provider by SCIM, or kept by hand as OS logins) and the
// device groups (devices labelled by hand and/or a rule over reported facts) that ban rules name;
// who is in each; a new device group tried on the fleet before it is saved (with a why, versioned);
// and the people SCIM provisioned with the OS login each maps to.
import { useState } from 'preact/hooks';
import { api, canEdit, get } from '../api.ts';
import { useLoad, Show, ErrorNote } from '../components/data.tsx';
import { Table } from '../components/table.tsx';
import { when } from '../format.ts';
import type { DirectoryUser, GroupDetail, GroupItem } from '../types.ts';

const PLATFORMS = ['linux', 'darwin', 'win32'] as const;
const list = (s: string): string[] => s.split(/[\s,]+/).map((x) => x.trim()).filter((x) => x !== '');

function ruleText(g: GroupItem): string {
  const r = g.rule;
  if (!r) return g.kind === 'device' ? 'labels only' : g.source === 'scim' ? 'identity provider' : 'logins';
  const parts: string[] = [];
  if (r.platforms) parts.push(`platform ${r.platforms.join(' or ')}`);
  if (r.hostnames) parts.push(`hostname ${r.hostnames.join(' or ')}`);
  if (r.serials) parts.push(`${r.serials.length} serial(s)`);
  if (r.agent_version) parts.push(`agent ${Object.entries(r.agent_version).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  return parts.join(' and ');
}

function Members({ id }: { id: string }) {
  const d = useLoad(() => get<GroupDetail>(`/api/v1/groups/${encodeURIComponent(id)}`), [id]);
  return (
    <Show state={d}>
      {(g) =>
        g.group.kind === 'device' ? (
          <Table
            id="group-devices"
            caption={`Devices in ${g.group.name}`}
            rows={g.devices ?? []}
            rowKey={(x) => x.id}
            empty="No device is in this group."
            columns={[
              { key: 'hostname', label: 'device', render: (x) => <a href={`/console/devices/${encodeURIComponent(x.id)}`}>{x.hostname}</a> },
              { key: 'platform', label: 'platform' },
              { key: 'via', label: 'by' },
            ]}
          />
        ) : (
          <Table
            id="group-people"
            caption={`People in ${g.group.name}`}
            rows={[...(g.users ?? []).map((u) => ({ key: u.id, name: u.user_name, login: u.login ?? '(no login mapped)', active: u.active ? 'yes' : 'deactivated' })), ...(g.logins ?? []).map((l) => ({ key: `login:${l}`, name: '', login: l, active: '' }))]}
            rowKey={(x) => x.key}
            empty="Nobody is in this group."
            columns={[
              { key: 'name', label: 'directory user' },
              { key: 'login', label: 'OS login' },
              { key: 'active', label: 'active' },
            ]}
          />
        )
      }
    </Show>
  );
}

function NewDeviceGroup({ onDone }: { onDone: () => void }) {
  const [name, setName] = useState('');
  const [platforms, setPlatforms] = useState<string[]>([]);
  const [hostnames, setHostnames] = useState('');
  const [serials, setSerials] = useState('');
  const [why, setWhy] = useState('');
  const [preview, setPreview] = useState<{ hostname: string; platform: string; id: string }[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const draft = () => {
    const rule: Record<string, string[]> = {};
    if (platforms.length > 0) rule.platforms = platforms;
    if (list(hostnames).length > 0) rule.hostnames = list(hostnames);
    if (list(serials).length > 0) rule.serials = list(serials);
    return { kind: 'device', name: name.trim(), ...(Object.keys(rule).length > 0 ? { rule } : {}) };
  };
  const run = async (f: () => Promise<void>) => {
    setError(null);
    try {
      await f();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <form
      class="card"
      aria-labelledby="new-dg-h"
      onSubmit={(e) => {
        e.preventDefault();
        void run(async () => {
          await api('POST', '/api/v1/groups', { group: draft(), why });
          setName('');
          setPlatforms([]);
          setHostnames('');
          setSerials('');
          setWhy('');
          setPreview(null);
          onDone();
        });
      }}
    >
      <h2 id="new-dg-h">New device group</h2>
      <p class="hint">A device is in the group when it matches every criterion given (within one, any entry).</p>
      <div class="form-grid">
        <div>
          <label for="dg-name">Group name</label>
          <input id="dg-name" required maxLength={256} value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </div>
        <fieldset>
          <legend>Platforms</legend>
          {PLATFORMS.map((p) => (
            <label key={p}>
              <input type="checkbox" checked={platforms.includes(p)} onChange={(e) => setPlatforms(e.currentTarget.checked ? [...platforms, p] : platforms.filter((x) => x !== p))} /> {p}
            </label>
          ))}
        </fieldset>
        <div>
          <label for="dg-hosts">Hostname patterns (* and ?, comma-separated)</label>
          <input id="dg-hosts" value={hostnames} placeholder="build-*" onInput={(e) => setHostnames(e.currentTarget.value)} />
        </div>
        <div>
          <label for="dg-serials">Serial numbers (comma-separated)</label>
          <input id="dg-serials" value={serials} onInput={(e) => setSerials(e.currentTarget.value)} />
        </div>
        <div>
          <label for="dg-why">Why (kept in the group's history)</label>
          <input id="dg-why" required minLength={3} maxLength={2000} value={why} onInput={(e) => setWhy(e.currentTarget.value)} />
        </div>
      </div>
      <div class="row">
        <button type="button" disabled={name.trim() === ''} onClick={() => void run(async () => setPreview((await api<{ devices: { hostname: string; platform: string; id: string }[] }>('POST', '/api/v1/groups/preview', { group: draft() })).devices))}>
          Preview devices
        </button>
        <button type="submit" class="primary" disabled={name.trim() === '' || why.trim().length < 3}>
          Create group
        </button>
      </div>
      <ErrorNote error={error} />
      {preview && (
        <Table
          id="group-preview"
          caption={`${preview.length} device(s) would be in it`}
          rows={preview}
          rowKey={(x) => x.id}
          empty="No device matches."
          columns={[
            { key: 'hostname', label: 'device' },
            { key: 'platform', label: 'platform' },
          ]}
        />
      )}
    </form>
  );
}

export function Groups() {
  const groups = useLoad(() => get<{ revision: number; groups: GroupItem[] }>('/api/v1/groups'), []);
  const people = useLoad(() => get<{ total: number; users: DirectoryUser[] }>('/api/v1/directory/users', { limit: 500 }), []);
  const [open, setOpen] = useState<string | null>(null);
  const edit = canEdit();
  return (
    <>
      <h1>Groups</h1>
      <p>
        Ban rules name these in <code>user_groups</code> and <code>device_groups</code>. Each agent learns its own device groups and the groups of the people on it at its next check-in.
      </p>
      <Show state={groups}>
        {(g) => (
          <Table
            id="groups"
            caption="User and device groups"
            rows={g.groups}
            rowKey={(x) => x.id}
            empty="No group yet."
            columns={[
              { key: 'name', label: 'group', render: (x) => <button type="button" class="link" aria-label={`Members of ${x.name}`} aria-expanded={open === x.id} onClick={() => setOpen(open === x.id ? null : x.id)}>{x.name}</button> },
              { key: 'kind', label: 'kind' },
              { key: 'source', label: 'kept by', render: (x) => (x.source === 'scim' ? 'identity provider (SCIM)' : 'hand') },
              { key: 'rule', label: 'membership', render: ruleText },
              { key: 'members', label: 'labelled / listed', class: 'num', render: (x) => String(x.members ?? 0) },
              { key: 'updated', label: 'last change', render: (x) => `${x.updated_by}, ${when(x.updated_at)}` },
            ]}
          />
        )}
      </Show>
      {open && (
        <section aria-label="Group members">
          <Members id={open} />
        </section>
      )}
      {edit && <NewDeviceGroup onDone={groups.reload} />}
      <section aria-labelledby="people-h">
        <h2 id="people-h">People from the identity provider</h2>
        <Show state={people}>
          {(p) => (
            <Table
              id="directory"
              caption={`Provisioned by SCIM (${p.total}); the OS login is what agents report as the owner of an install`}
              rows={p.users}
              rowKey={(x) => x.id}
              empty="Nobody provisioned yet (set up SCIM with a token from POST /api/v1/scim/token)."
              columns={[
                { key: 'user_name', label: 'user' },
                { key: 'login', label: 'OS login', render: (x) => x.login ?? '(none mapped)' },
                { key: 'active', label: 'active', render: (x) => (x.active ? 'yes' : 'deactivated') },
                { key: 'groups', label: 'groups', render: (x) => x.groups.join(', ') || '—' },
              ]}
            />
          )}
        </Show>
      </section>
    </>
  );
}
