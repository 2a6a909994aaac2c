// Add or edit one ban-list rule: the tool from the catalog (search by name, id or vendor), vendor,
// vendor country, category, version range, user/device groups, action, message, alternative, grace
// and monitor. Saving puts the rule in the draft; nothing reaches agents before "Publish".
import { useMemo, useState } from 'preact/hooks';
import type { Action, BanRule, CatalogTool, RuleMatch, VersionRange } from '../types.ts';

const FORM_ACTIONS: Action[] = ['allow', 'observe', 'notify', 'warn', 'block', 'quarantine'];
const SEMVER = '^(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\\+[0-9A-Za-z.-]+)?$';
const list = (s: string): string[] | undefined => {
  const v = s.split(',').map((x) => x.trim()).filter((x) => x !== '');
  return v.length > 0 ? v : undefined;
};
const text = (v: string[] | undefined): string => (v ?? []).join(', ');

export function RuleForm({ rule, catalog, takenIds, onSave, onCancel }: { rule: BanRule | null; catalog: CatalogTool[]; takenIds: string[]; onSave: (r: BanRule) => void; onCancel: () => void }) {
  const m = rule?.match ?? {};
  const [id, setId] = useState(rule?.id ?? '');
  const [tools, setTools] = useState<string[]>(m.tools ?? []);
  const [search, setSearch] = useState('');
  const [vendors, setVendors] = useState(text(m.vendors));
  const [countries, setCountries] = useState(text(m.vendor_countries));
  const [categories, setCategories] = useState(text(m.categories));
  const [range, setRange] = useState<VersionRange>(m.version ?? {});
  const [userGroups, setUserGroups] = useState(text(m.user_groups));
  const [deviceGroups, setDeviceGroups] = useState(text(m.device_groups));
  const [action, setAction] = useState<Action>(rule?.action ?? 'block');
  const [message, setMessage] = useState(rule?.message ?? '');
  const [alternative, setAlternative] = useState(rule?.alternative ?? '');
  const [grace, setGrace] = useState(rule?.grace_until?.slice(0, 10) ?? '');
  const [monitor, setMonitor] = useState(rule?.monitor ?? false);
  const [description, setDescription] = useState(rule?.description ?? '');
  const [error, setError] = useState<string | null>(null);

  const found = useMemo(() => {
    const q = search.trim().toLowerCase();
    if (q === '') return [];
    return catalog.filter((t) => `${t.id} ${t.name} ${t.vendor}`.toLowerCase().includes(q)).slice(0, 30);
  }, [search, catalog]);
  const names = new Map(catalog.map((t) => [t.id, t.name]));
  const uniq = (xs: (string | null)[]) => [...new Set(xs.filter((x): x is string => !!x))].sort();

  const save = (e: Event) => {
    e.preventDefault();
    const newId = id.trim();
    if (rule === null && takenIds.includes(newId)) return setError(`a rule '${newId}' already exists`);
    const version: VersionRange = {};
    for (const k of ['gte', 'gt', 'lte', 'lt'] as const) if (range[k]?.trim()) version[k] = range[k]!.trim();
    const match: RuleMatch = {};
    const put = <K extends keyof RuleMatch>(k: K, v: RuleMatch[K] | undefined) => {
      if (v !== undefined) match[k] = v;
    };
    put('tools', tools.length > 0 ? tools : undefined);
    put('vendors', list(vendors));
    put('vendor_countries', list(countries));
    put('categories', list(categories));
    put('version', Object.keys(version).length > 0 ? version : undefined);
    put('user_groups', list(userGroups));
    put('device_groups', list(deviceGroups));
    if (m.unless) match.unless = m.unless;
    if (Object.keys(match).length === 0) return setError('choose at least one tool, vendor, country, category or version range: an empty rule would match every AI tool');
    const r: BanRule = { id: newId, action, match };
    if (description.trim()) r.description = description.trim();
    if (message.trim()) r.message = message.trim();
    if (alternative.trim()) r.alternative = alternative.trim();
    if (grace) r.grace_until = `${grace}T00:00:00Z`;
    if (monitor) r.monitor = true;
    if (rule?.settings) r.settings = rule.settings;
    setError(null);
    onSave(r);
  };

  return (
    <form class="card" onSubmit={save} aria-labelledby="rule-form-h">
      <h3 id="rule-form-h">{rule ? `Edit rule ${rule.id}` : 'Add a rule'}</h3>
      <div class="form-grid">
        <div>
          <label for="rule-id">Rule id</label>
          <input id="rule-id" required pattern="^[A-Za-z0-9][A-Za-z0-9._:\-]{0,127}$" value={id} disabled={rule !== null} onInput={(e) => setId(e.currentTarget.value)} />
        </div>
        <div>
          <label for="rule-action">Action</label>
          <select id="rule-action" value={action} onChange={(e) => setAction(e.currentTarget.value as Action)}>
            {FORM_ACTIONS.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="rule-grace">
            Grace until <span class="hint">(warn only until this day, UTC)</span>
          </label>
          <input id="rule-grace" type="date" value={grace} onInput={(e) => setGrace(e.currentTarget.value)} />
        </div>
        <div>
          <label>
            <input type="checkbox" checked={monitor} onChange={(e) => setMonitor(e.currentTarget.checked)} /> Monitor only <span class="hint">(decide and report, change nothing)</span>
          </label>
        </div>
      </div>

      <fieldset>
        <legend>Tools</legend>
        <label for="tool-search">Search the catalog</label>
        <input id="tool-search" type="search" placeholder="name, id or vendor" value={search} onInput={(e) => setSearch(e.currentTarget.value)} aria-controls="tool-results" />
        {found.length > 0 && (
          <div id="tool-results" class="tool-results" role="group" aria-label="Catalog matches">
            {found.map((t) => (
              <label key={t.id}>
                <input type="checkbox" checked={tools.includes(t.id)} onChange={(e) => setTools(e.currentTarget.checked ? [...tools, t.id] : tools.filter((x) => x !== t.id))} /> {t.name} <span class="muted">({t.id} · {t.vendor} · {t.vendor_country ?? '?'} · {t.category})</span>
              </label>
            ))}
          </div>
        )}
        <ul class="chips" aria-label="Chosen tools">
          {tools.map((t) => (
            <li key={t}>
              {names.get(t) ?? t}{' '}
              <button type="button" aria-label={`Remove ${names.get(t) ?? t}`} onClick={() => setTools(tools.filter((x) => x !== t))}>
                ×
              </button>
            </li>
          ))}
        </ul>
      </fieldset>

      <fieldset>
        <legend>Other criteria (all given ones must hold; comma-separated lists match any entry)</legend>
        <div class="form-grid">
          <div>
            <label for="rule-vendors">Vendors</label>
            <input id="rule-vendors" list="dl-vendors" value={vendors} onInput={(e) => setVendors(e.currentTarget.value)} />
          </div>
          <div>
            <label for="rule-countries">Vendor countries</label>
            <input id="rule-countries" list="dl-countries" value={countries} onInput={(e) => setCountries(e.currentTarget.value)} />
          </div>
          <div>
            <label for="rule-categories">Categories</label>
            <input id="rule-categories" list="dl-categories" value={categories} onInput={(e) => setCategories(e.currentTarget.value)} />
          </div>
          <div>
            <label for="rule-user-groups">User groups</label>
            <input id="rule-user-groups" value={userGroups} onInput={(e) => setUserGroups(e.currentTarget.value)} />
          </div>
          <div>
            <label for="rule-device-groups">Device groups</label>
            <input id="rule-device-groups" value={deviceGroups} onInput={(e) => setDeviceGroups(e.currentTarget.value)} />
          </div>
          {(['gte', 'gt', 'lte', 'lt'] as const).map((k) => (
            <div key={k}>
              <label for={`rule-v-${k}`}>Version {k === 'gte' ? '≥' : k === 'gt' ? '>' : k === 'lte' ? '≤' : '<'}</label>
              <input id={`rule-v-${k}`} pattern={SEMVER} placeholder="2.0.0" value={range[k] ?? ''} onInput={(e) => setRange({ ...range, [k]: e.currentTarget.value })} />
            </div>
          ))}
        </div>
        <datalist id="dl-vendors">{uniq(catalog.map((t) => t.vendor)).map((v) => <option key={v} value={v} />)}</datalist>
        <datalist id="dl-countries">{uniq(catalog.map((t) => t.vendor_country)).map((v) => <option key={v} value={v} />)}</datalist>
        <datalist id="dl-categories">{uniq(catalog.map((t) => t.category)).map((v) => <option key={v} value={v} />)}</datalist>
      </fieldset>

      <div class="form-grid">
        <div>
          <label for="rule-message">Message to the employee</label>
          <input id="rule-message" placeholder="(the list's message)" value={message} onInput={(e) => setMessage(e.currentTarget.value)} />
        </div>
        <div>
          <label for="rule-alternative">Approved alternative</label>
          <input id="rule-alternative" placeholder="(the list's alternative)" value={alternative} onInput={(e) => setAlternative(e.currentTarget.value)} />
        </div>
        <div>
          <label for="rule-description">Description</label>
          <input id="rule-description" value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
        </div>
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="row">
        <button type="submit" class="primary">
          Save to draft
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
