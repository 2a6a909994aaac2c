// Integrations: the webhooks that carry every event to the SOC, with their delivery status (backlog,
// last answer, dead letters), a signed test delivery, and a form to add one (admins; its signing
// secret is shown once). The SIEM stream itself is read by forwarders over the API (role siem).
import { useState } from 'preact/hooks';
import { api, get, isAdmin } from '../api.ts';
import { useLoad, Show, ErrorNote } from '../components/data.tsx';
import { Table } from '../components/table.tsx';
import { when } from '../format.ts';

interface WebhookItem {
  id: string;
  name: string;
  url: string;
  events: string[];
  format: string;
  enabled: boolean;
  delivery: { delivered: number; backlog: number; dead_letters: number; failing_attempts: number; last_status: number | null; last_error: string | null; last_success_at: string | null; next_attempt_at: string | null };
}

function status(w: WebhookItem): string {
  const d = w.delivery;
  if (!w.enabled) return 'disabled';
  if (d.failing_attempts > 0) return `failing (${d.failing_attempts} attempts, retry ${d.next_attempt_at ? when(d.next_attempt_at) : 'soon'}): ${d.last_error ?? ''}`;
  return d.backlog > 0 ? `delivering (${d.backlog} waiting)` : 'up to date';
}

export function Integrations() {
  const hooks = useLoad(() => get<{ webhooks: WebhookItem[] }>('/api/v1/webhooks'), []);
  const [form, setForm] = useState({ name: '', url: '', events: 'enforcement.*, agent.health, audit.*', format: 'json', why: '' });
  const [secret, setSecret] = useState<{ name: string; secret: string } | null>(null);
  const [result, setResult] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const admin = isAdmin();
  const run = async (f: () => Promise<void>) => {
    setError(null);
    try {
      await f();
      hooks.reload();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <>
      <h1>Integrations</h1>
      <p class="muted">
        Every event — enforcement, inventory changes, agent health, audited actions — goes to these webhooks in order, signed (Standard Webhooks: webhook-id,
        webhook-timestamp, webhook-signature). SIEM forwarders can also read <code>/api/v1/events/stream</code> with a <code>siem</code> user's token.
      </p>
      <ErrorNote error={error} />
      {result && <p role="status">{result}</p>}
      <Show state={hooks}>
        {(h) => (
          <Table
            id="webhooks"
            caption="Webhooks and their delivery"
            rows={h.webhooks}
            rowKey={(w) => w.id}
            empty="No webhooks yet."
            columns={[
              { key: 'name', label: 'name' },
              { key: 'url', label: 'target', render: (w) => <code>{w.url}</code> },
              { key: 'events', label: 'events', render: (w) => `${w.events.join(', ')} (${w.format})` },
              { key: 'status', label: 'status', render: status },
              { key: 'delivered', label: 'delivered', render: (w) => String(w.delivery.delivered) },
              { key: 'dead', label: 'dead letters', render: (w) => String(w.delivery.dead_letters) },
              { key: 'last', label: 'last success', render: (w) => (w.delivery.last_success_at ? when(w.delivery.last_success_at) : '—') },
              ...(admin
                ? [{
                    key: 'test',
                    label: 'test',
                    render: (w: WebhookItem) => (
                      <button type="button" onClick={() => void run(async () => {
                        const r = await api<{ ok: boolean; status: number | null; error: string | null; ms: number }>('POST', `/api/v1/webhooks/${w.id}/test`);
                        setResult(r.ok ? `${w.name}: test delivered (HTTP ${r.status}, ${r.ms} ms)` : `${w.name}: test failed: ${r.error ?? `HTTP ${r.status}`}`);
                      })}>
                        Send test to {w.name}
                      </button>
                    ),
                  }]
                : []),
            ]}
          />
        )}
      </Show>
      {secret && (
        <p class="card" role="status">
          Signing secret of <strong>{secret.name}</strong> — shown this once, put it in the receiver now: <code id="webhook-secret">{secret.secret}</code>
        </p>
      )}
      {admin && (
        <form
          class="card"
          aria-label="Add a webhook"
          onSubmit={(e) => {
            e.preventDefault();
            void run(async () => {
              const events = form.events.split(',').map((x) => x.trim()).filter((x) => x !== '');
              const r = await api<{ secret: string; webhook: { name: string } }>('POST', '/api/v1/webhooks', { webhook: { name: form.name, url: form.url, events, format: form.format }, why: form.why });
              setSecret({ name: r.webhook.name, secret: r.secret });
              setForm({ ...form, name: '', url: '', why: '' });
            });
          }}
        >
          <h2>Add a webhook</h2>
          <div class="form-grid">
            <div>
              <label for="w-name">Name</label>
              <input id="w-name" required value={form.name} onInput={(e) => setForm({ ...form, name: e.currentTarget.value })} />
            </div>
            <div>
              <label for="w-url">URL</label>
              <input id="w-url" required type="url" value={form.url} onInput={(e) => setForm({ ...form, url: e.currentTarget.value })} />
            </div>
            <div>
              <label for="w-events">Events (comma-separated; * for all)</label>
              <input id="w-events" required value={form.events} onInput={(e) => setForm({ ...form, events: e.currentTarget.value })} />
            </div>
            <div>
              <label for="w-format">Format</label>
              <select id="w-format" value={form.format} onChange={(e) => setForm({ ...form, format: e.currentTarget.value })}>
                <option value="json">JSON</option>
                <option value="cef">CEF</option>
              </select>
            </div>
            <div>
              <label for="w-why">Why</label>
              <input id="w-why" required minLength={3} value={form.why} onInput={(e) => setForm({ ...form, why: e.currentTarget.value })} />
            </div>
            <div>
              <button type="submit" class="primary">
                Add webhook
              </button>
            </div>
          </div>
        </form>
      )}
    </>
  );
}
