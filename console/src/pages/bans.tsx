// Ban-list editor: the published rules, a draft you change rule by rule, the draft's diff against the
// published list with its impact on the fleet, publishing with a "why", then the rollout live; and
// the versioned history (who changed what, when, why). Editing controls exist only for roles that may
// change the list (admin, policy-editor); the API refuses everyone else anyway.
import { useEffect, useState } from 'preact/hooks';
import { api, canEdit, get } from '../api.ts';
import { useLoad, Show, ErrorNote } from '../components/data.tsx';
import { ActionBadge } from '../components/badges.tsx';
import { Downloads, Table } from '../components/table.tsx';
import { when } from '../format.ts';
import type { BanList, BanRule, BansAnswer, BanVersion, CatalogTool, DiffAnswer, RuleMatch } from '../types.ts';
import { RuleForm } from './rule-form.tsx';
import { ImpactPanel, RolloutPanel } from './impact.tsx';

/** The editable document: what `warden bans apply` would send (approved exception requests are not part of it). */
function editable(list: BanList): BanList {
  const { revision: _revision, ...rest } = list;
  return { ...rest, exceptions: list.exceptions.filter((e) => !e.id.startsWith('x-')) };
}

export function matchText(m: RuleMatch): string {
  const parts: string[] = [];
  if (m.tools) parts.push(`tools ${m.tools.join(', ')}`);
  if (m.vendors) parts.push(`vendors ${m.vendors.join(', ')}`);
  if (m.vendor_countries) parts.push(`countries ${m.vendor_countries.join(', ')}`);
  if (m.categories) parts.push(`categories ${m.categories.join(', ')}`);
  if (m.version) parts.push(`version ${Object.entries(m.version).map(([k, v]) => `${k} ${v}`).join(' ')}`);
  if (m.user_groups) parts.push(`user groups ${m.user_groups.join(', ')}`);
  if (m.device_groups) parts.push(`device groups ${m.device_groups.join(', ')}`);
  if (m.unless) parts.push(`unless ${matchText(m.unless)}`);
  return parts.length > 0 ? parts.join('; ') : 'every AI tool';
}

export function Bans() {
  const published = useLoad(() => get<BansAnswer>('/api/v1/bans'), []);
  const catalog = useLoad(() => get<{ tools: CatalogTool[] }>('/api/v1/catalog'), []);
  const history = useLoad(() => get<{ history: BanVersion[] }>('/api/v1/bans/history', { limit: 50 }), [published.data?.revision]);
  const [draft, setDraft] = useState<BanList | null>(null);
  const [editing, setEditing] = useState<BanRule | 'new' | null>(null);
  const [diff, setDiff] = useState<DiffAnswer | null>(null);
  const [diffError, setDiffError] = useState<string | null>(null);
  const [why, setWhy] = useState('');
  const [publishError, setPublishError] = useState<string | null>(null);
  const [publishing, setPublishing] = useState(false);
  const [publishedRevision, setPublishedRevision] = useState<string | null>(null);
  const edit = canEdit();

  useEffect(() => {
    if (published.data && draft === null) setDraft(editable(published.data.list));
  }, [published.data]);
  const dirty = draft !== null && published.data !== null && JSON.stringify(draft) !== JSON.stringify(editable(published.data.list));

  const preview = async () => {
    if (!draft) return;
    setDiffError(null);
    setDiff(null);
    try {
      setDiff(await api<DiffAnswer>('POST', '/api/v1/bans/diff', { list: draft }));
    } catch (e) {
      setDiffError(e instanceof Error ? e.message : String(e));
    }
  };
  // The preview follows the draft: any change to it shows its diff and impact again.
  useEffect(() => {
    if (dirty) void preview();
    else setDiff(null);
  }, [JSON.stringify(draft)]);

  const saveRule = (r: BanRule) => {
    if (!draft) return;
    const exists = draft.rules.some((x) => x.id === r.id);
    setDraft({ ...draft, rules: exists ? draft.rules.map((x) => (x.id === r.id ? r : x)) : [...draft.rules, r] });
    setEditing(null);
  };
  const removeRule = (id: string) => draft && setDraft({ ...draft, rules: draft.rules.filter((x) => x.id !== id) });

  const publish = async (e: Event) => {
    e.preventDefault();
    if (!draft || !published.data) return;
    setPublishing(true);
    setPublishError(null);
    try {
      const r = await api<{ revision: string }>('PUT', '/api/v1/bans', { list: draft, why, expect_revision: published.data.ban_revision });
      setPublishedRevision(r.revision);
      setWhy('');
      setDraft(null);
      setDiff(null);
      published.reload();
    } catch (err) {
      setPublishError(err instanceof Error ? err.message : String(err));
    } finally {
      setPublishing(false);
    }
  };

  return (
    <>
      <h1>Ban list</h1>
      <Show state={published}>
        {(p) => {
          const entries = new Map(p.entries.map((x) => [x.id, x]));
          const rules = draft?.rules ?? p.list.rules;
          return (
            <>
              <p>
                Published revision <strong data-ban-revision>{p.revision}</strong>: {p.list.rules.length} rule(s), mode <strong>{p.list.mode}</strong>, default action <ActionBadge a={p.list.default_action} />.
              </p>
              <Table
                id="rules"
                caption={dirty ? 'Rules in the draft (not published yet)' : 'Published rules'}
                rows={rules}
                rowKey={(r) => r.id}
                empty="No rules: every AI tool gets the default action."
                columns={[
                  { key: 'id', label: 'rule' },
                  { key: 'action', label: 'action', render: (r) => <ActionBadge a={r.action} /> },
                  { key: 'match', label: 'applies to', render: (r) => matchText(r.match) },
                  { key: 'monitor', label: 'mode', render: (r) => (r.monitor ? 'monitor' : r.grace_until ? `grace until ${r.grace_until.slice(0, 10)}` : 'enforce') },
                  { key: 'changed', label: 'last change', render: (r) => { const x = entries.get(r.id); return x ? `${x.updated_by}, ${when(x.updated_at)}: ${x.why}` : <em>draft</em>; } },
                  ...(edit
                    ? [{ key: 'edit', label: 'change', render: (r: BanRule) => (
                        <div class="row">
                          <button type="button" onClick={() => setEditing(r)} aria-label={`Edit rule ${r.id}`}>Edit</button>
                          <button type="button" class="danger" onClick={() => removeRule(r.id)} aria-label={`Remove rule ${r.id}`}>Remove</button>
                        </div>
                      ) }]
                    : []),
                ]}
              />
              {edit && editing === null && (
                <p>
                  <button type="button" class="primary" onClick={() => setEditing('new')}>
                    Add rule
                  </button>
                </p>
              )}
              {edit && editing !== null && (
                <Show state={catalog}>
                  {(c) => <RuleForm key={editing === 'new' ? 'new' : editing.id} rule={editing === 'new' ? null : editing} catalog={c.tools} takenIds={rules.map((r) => r.id)} onSave={saveRule} onCancel={() => setEditing(null)} />}
                </Show>
              )}
            </>
          );
        }}
      </Show>

      {dirty && (
        <section aria-labelledby="draft-h">
          <h2 id="draft-h">Draft: changes against the published list</h2>
          <ErrorNote error={diffError} />
          {diff === null && !diffError && <p class="muted" aria-live="polite">Computing the diff and its impact…</p>}
          {diff && (
            <>
              <Table
                id="diff"
                caption="Changes"
                rows={diff.changes}
                rowKey={(c) => `${c.op}:${c.id}`}
                columns={[
                  { key: 'op', label: 'change', render: (c) => <span class={`diff-${c.op}`}>{c.op === 'create' ? 'added' : c.op === 'delete' ? 'removed' : 'changed'}</span> },
                  { key: 'id', label: 'entry' },
                  { key: 'entry', label: 'new content', render: (c) => (c.entry ? <pre class="json">{JSON.stringify(c.entry, null, 1)}</pre> : '—') },
                ]}
              />
              {diff.impact ? <ImpactPanel impact={diff.impact} /> : <p class="error">Impact preview unavailable: {diff.impact_error}</p>}
            </>
          )}
          {edit && (
            <form class="card no-print" onSubmit={publish} aria-labelledby="publish-h">
              <h3 id="publish-h">Publish</h3>
              <label for="publish-why">Why (kept in the audit log and the rule's history)</label>
              <textarea id="publish-why" required minLength={3} maxLength={2000} value={why} onInput={(e) => setWhy(e.currentTarget.value)} />
              <ErrorNote error={publishError} />
              <div class="row">
                <button type="submit" class="primary" disabled={publishing || why.trim().length < 3}>
                  {publishing ? 'Publishing…' : 'Publish'}
                </button>
                <button type="button" onClick={() => published.data && setDraft(editable(published.data.list))}>
                  Discard draft
                </button>
              </div>
            </form>
          )}
        </section>
      )}

      <section aria-labelledby="rollout-sec-h">
        <h2 id="rollout-sec-h">Rollout</h2>
        <RolloutPanel expect={publishedRevision} />
      </section>

      <section aria-labelledby="history-h">
        <h2 id="history-h">History</h2>
        <Show state={history}>
          {(h) => (
            <Table
              id="history"
              caption="Every change to the list, newest first (last 50)"
              rows={h.history}
              rowKey={(v) => `${v.revision}:${v.entry_id}:${v.version}`}
              columns={[
                { key: 'revision', label: 'revision', class: 'num' },
                { key: 'op', label: 'change', render: (v) => <span class={`diff-${v.op}`}>{v.op}</span> },
                { key: 'entry_id', label: 'entry' },
                { key: 'by', label: 'by' },
                { key: 'at', label: 'when', render: (v) => when(v.at) },
                { key: 'why', label: 'why' },
              ]}
            />
          )}
        </Show>
        <Downloads path="/api/v1/bans/history" what="the whole history" />
      </section>
    </>
  );
}
