// Users and roles (admins only: the API refuses everyone else). Admin: everything; policy-editor:
// ban list and exceptions, not users; auditor: reads everything, changes nothing.
import { useState } from 'preact/hooks';
import { api, get, session, type Role } from '../api.ts';
import { useLoad, Show, ErrorNote } from '../components/data.tsx';
import { Table } from '../components/table.tsx';
import { when } from '../format.ts';
import type { UserItem } from '../types.ts';

// siem: a SIEM forwarder's account, reads the event stream and audit export only (it cannot sign in here).
const ROLES: Role[] = ['admin', 'policy-editor', 'auditor', 'siem'];

export function Users() {
  const users = useLoad(() => get<{ users: UserItem[] }>('/api/v1/users'), []);
  const [form, setForm] = useState({ username: '', role: 'auditor' as Role, password: '' });
  const [error, setError] = useState<string | null>(null);
  const me = session.value?.username;
  const run = async (f: () => Promise<unknown>) => {
    setError(null);
    try {
      await f();
      users.reload();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <>
      <h1>Users</h1>
      <ErrorNote error={error} />
      <Show state={users}>
        {(u) => (
          <Table
            id="users"
            caption="Accounts and roles"
            rows={u.users}
            rowKey={(x) => x.id}
            columns={[
              { key: 'username', label: 'user' },
              {
                key: 'role',
                label: 'role',
                render: (x) => (
                  <select aria-label={`Role of ${x.username}`} value={x.role} disabled={x.username === me} onChange={(e) => void run(() => api('PATCH', `/api/v1/users/${encodeURIComponent(x.id)}`, { role: e.currentTarget.value }))}>
                    {ROLES.map((r) => (
                      <option key={r} value={r}>
                        {r}
                      </option>
                    ))}
                  </select>
                ),
              },
              { key: 'created_at', label: 'since', render: (x) => when(x.created_at) },
              {
                key: 'disabled',
                label: 'access',
                render: (x) => (
                  <button type="button" disabled={x.username === me} onClick={() => void run(() => api('PATCH', `/api/v1/users/${encodeURIComponent(x.id)}`, { disabled: !x.disabled }))} aria-label={`${x.disabled ? 'Enable' : 'Disable'} ${x.username}`}>
                    {x.disabled ? 'Enable' : 'Disable'}
                  </button>
                ),
              },
            ]}
          />
        )}
      </Show>
      <form
        class="card"
        aria-labelledby="new-user-h"
        onSubmit={(e) => {
          e.preventDefault();
          void run(async () => {
            await api('POST', '/api/v1/users', form);
            setForm({ username: '', role: 'auditor', password: '' });
          });
        }}
      >
        <h2 id="new-user-h">Add a user</h2>
        <div class="form-grid">
          <div>
            <label for="nu-name">Username</label>
            <input id="nu-name" required pattern="^[A-Za-z0-9._@\-]+$" value={form.username} onInput={(e) => setForm({ ...form, username: e.currentTarget.value })} />
          </div>
          <div>
            <label for="nu-role">Role</label>
            <select id="nu-role" value={form.role} onChange={(e) => setForm({ ...form, role: e.currentTarget.value as Role })}>
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label for="nu-pw">Initial password (12+ characters)</label>
            <input id="nu-pw" type="password" autoComplete="new-password" required minLength={12} value={form.password} onInput={(e) => setForm({ ...form, password: e.currentTarget.value })} />
          </div>
          <div>
            <button type="submit" class="primary">
              Add user
            </button>
          </div>
        </div>
      </form>
    </>
  );
}
