// The tray window's page. Data comes from the tray's local page server (tray-app/src/server.ts) over
// the agent's public files; every value is written with textContent (never innerHTML), so a tool
// name or message cannot inject markup. Views: notices, one notice's detail, the exception request
// form, the employee's requests, and "what warden checks". The fragment carries the session token and
// optionally the view to open (#token=…&view=checks or &notice=<id>), which the tray menu uses.
const params = new URLSearchParams(location.hash.slice(1));
const token = params.get('token') ?? '';

const LABEL = {
  block: 'Blocked',
  quarantine: 'Removed (restorable by IT)',
  warn: 'Warning',
  notify: 'Notice',
  observe: 'Observed',
  configure: 'Managed settings applied',
  allow: 'Allowed',
};

let data = { notices: [], report: null, branding: null, requests: [], refused: [], silenced: [], status: null };
let view = params.get('view') ?? 'notices';
let current = params.get('notice'); // id of the notice whose detail is shown
if (current && view !== 'request') view = 'notice';

async function api(path, init = {}) {
  const headers = { 'x-warden-tray-token': token };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { ...init, headers });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.error ?? `${path}: ${res.status}`);
  return body;
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

const $ = (id) => document.getElementById(id);
const names = () => new Map((data.report?.findings ?? []).map((f) => [f.tool_id, f.name]));
const nameOf = (tool, fallback) => names().get(tool) ?? fallback ?? tool;
const day = (iso) => (iso ? new Date(iso).toLocaleDateString(undefined, { year: 'numeric', month: 'long', day: 'numeric' }) : '');
const noticeById = (id) => data.notices.find((n) => n.id === id);

function altLink(name) {
  return (data.branding?.alternative_links ?? []).find((l) => l.name.toLowerCase() === String(name).toLowerCase())?.url ?? null;
}

// ---- navigation
function show(next, focus = true) {
  view = next;
  // Kept in the fragment (beside the token), so a reload stays on the same view.
  params.set('view', view);
  if (current && (view === 'notice' || view === 'request')) params.set('notice', current);
  else params.delete('notice');
  history.replaceState(null, '', `#${params}`);
  for (const s of document.querySelectorAll('[data-view-section]')) s.hidden = s.dataset.viewSection !== view;
  for (const b of document.querySelectorAll('nav button')) {
    const on = b.dataset.view === view || (b.dataset.view === 'notices' && (view === 'notice' || view === 'request'));
    if (on) b.setAttribute('aria-current', 'page');
    else b.removeAttribute('aria-current');
  }
  if (view === 'notice') renderNotice();
  if (view === 'request') renderRequestForm();
  if (focus) document.querySelector(`[data-view-section="${view}"] h2`)?.focus();
}

document.addEventListener('click', (e) => {
  const b = e.target.closest('button[data-view]');
  if (b) show(b.dataset.view);
});

// ---- branding and state
function renderBrand() {
  const b = data.branding;
  $('company').textContent = b?.company_name ? `${b.company_name} · ` : '';
  const logo = $('logo');
  if (b?.logo) {
    logo.src = b.logo;
    logo.alt = `${b.company_name} logo`;
    logo.hidden = false;
  } else logo.hidden = true;
  const root = document.documentElement.style;
  if (b?.colors) {
    root.setProperty('--primary', b.colors.primary);
    root.setProperty('--accent', b.colors.accent);
  } else {
    root.removeProperty('--primary');
    root.removeProperty('--accent');
  }
  const s = $('support');
  if (b?.support_url) {
    s.href = b.support_url;
    s.textContent = `Get help: ${b.support_label ?? 'IT support'}`;
    s.hidden = false;
  } else s.hidden = true;
  // When the agent cannot talk to the server, say so: requests wait, the last policy keeps applying.
  const sync = $('sync');
  if (data.sync && data.sync.state !== 'ok') {
    sync.textContent = `warden has not reached your company's server since ${new Date(data.sync.since).toLocaleString()} (${data.sync.message}). The last policy keeps applying; exception requests are sent when it is back.`;
    sync.hidden = false;
  } else sync.hidden = true;
  const st = data.status;
  $('state').dataset.state = st?.state ?? 'compliant';
  $('state').textContent = st ? st.tooltip.replace(/^warden: /, '') : '';
}

// ---- notices
function noticeItem(n) {
  const li = el('li', `notice${n.read ? '' : ' unread'}`);
  li.dataset.action = n.action;
  li.dataset.id = n.id;
  const tool = nameOf(n.tool, n.name);
  const top = el('div', 'top');
  top.append(el('span', 'tool', tool), el('span', 'badge', LABEL[n.action] ?? n.action));
  li.append(top, el('p', 'message', n.message));
  if (n.alternative) li.append(el('p', 'alt', `Use instead: ${n.alternative}`));
  if (n.action === 'warn' && n.grace_until) {
    li.append(el('p', 'meta grace', `Allowed until ${new Date(n.grace_until).toLocaleString()}, then blocked.`));
  }
  const seen = n.count > 1 ? ` · seen ${n.count} times` : '';
  li.append(el('p', 'meta', `${n.day}${seen}${n.rule ? ` · rule ${n.rule}` : ''}`));
  const actions = el('div', 'actions');
  const details = el('button', 'details', 'Details');
  details.type = 'button';
  details.setAttribute('aria-label', `Details about ${tool}`);
  details.addEventListener('click', () => {
    current = n.id;
    show('notice');
  });
  actions.append(details);
  if (!n.read) {
    const b = el('button', 'dismiss', 'Dismiss');
    b.type = 'button';
    b.setAttribute('aria-label', `Dismiss the notice about ${tool}`);
    b.addEventListener('click', async () => {
      await api(`/api/notices/${encodeURIComponent(n.id)}/read`, { method: 'POST' });
      await refresh();
    });
    actions.append(b);
  }
  li.append(actions);
  return li;
}

function filesText(n) {
  const installs = n.installs ?? [];
  const q = installs.filter((i) => i.quarantine_id);
  const stopped = installs.reduce((s, i) => s + i.stopped, 0);
  if (n.action === 'quarantine') {
    return q.length
      ? `Moved to the quarantine vault on this computer (${q.map((i) => i.quarantine_id).join(', ')}). Nothing was deleted: IT can restore them exactly as they were.`
      : 'Moved to the quarantine vault on this computer. Nothing was deleted: IT can restore them exactly as they were.';
  }
  if (n.action === 'block') return `Left in place, not deleted. ${stopped ? `${stopped} running ${stopped === 1 ? 'copy was' : 'copies were'} stopped. ` : ''}Starting it is blocked.`;
  if (n.action === 'warn') return n.grace_until ? `Nothing yet. It keeps working until ${day(n.grace_until)}, then it will be blocked.` : 'Nothing yet.';
  return 'Nothing was changed.';
}

function facts(n) {
  const installs = n.installs ?? [];
  const versions = [...new Set(installs.map((i) => i.version ?? 'unknown'))];
  const paths = installs.flatMap((i) => i.paths);
  const alt = n.alternative || 'None named by your company';
  return [
    ['Tool', nameOf(n.tool, n.name)],
    ['Version', versions.length ? versions.join(', ') : 'unknown'],
    ['Where', paths.length ? paths.join('\n') : 'not recorded'],
    ['Rule', n.rule || 'the company default'],
    ["Your company's message", n.message],
    ['Approved alternative', alt],
    ['What happened to the files', filesText(n)],
    ['When', `${n.day}${n.count > 1 ? ` (seen ${n.count} times)` : ''}`],
  ];
}

function detailsText(n) {
  const host = data.report?.host;
  const lines = facts(n).map(([k, v]) => `${k}: ${v.replaceAll('\n', ', ')}`);
  return [`warden notice ${n.id}`, `Action: ${LABEL[n.action] ?? n.action}`, ...lines, `Policy revision: ${n.bundle_revision}`, ...(host ? [`Computer: ${host.hostname}`] : [])].join('\n');
}

function statusText(r) {
  switch (r.state) {
    case 'waiting':
      return 'Waiting for the warden agent to pick it up';
    case 'queued':
      return 'Taken by the agent; it will reach IT at the next check-in';
    case 'pending':
      return 'Pending: IT has not decided yet';
    case 'approved':
      return `Approved until ${day(r.expires_at)}${r.decision_note ? ` — ${r.decision_note}` : ''}`;
    case 'denied':
      return `Denied: ${r.decision_note || 'no reason given'}`;
    case 'expired':
      return `Expired on ${day(r.expires_at)}`;
    default:
      return `Not accepted: ${r.error ?? 'unknown error'}`;
  }
}

function requestItem(r) {
  const li = el('li', 'request');
  li.dataset.state = r.state;
  li.dataset.tool = r.tool;
  const top = el('div', 'top');
  top.append(el('span', 'tool', nameOf(r.tool)), el('span', 'badge', r.state === 'waiting' || r.state === 'queued' ? 'sent' : r.state));
  li.append(top, el('p', 'status', statusText(r)), el('p', 'meta', `Asked ${day(r.requested_at)} for ${r.duration_days} ${r.duration_days === 1 ? 'day' : 'days'}: “${r.reason}”`));
  return li;
}

function renderNotice() {
  const n = noticeById(current);
  if (!n) {
    $('notice-h').textContent = 'This notice is no longer there';
    $('notice-facts').replaceChildren();
    return;
  }
  const tool = nameOf(n.tool, n.name);
  $('notice-h').textContent = tool;
  $('notice-badge').textContent = LABEL[n.action] ?? n.action;
  $('notice-badge').dataset.action = n.action;
  const dl = $('notice-facts');
  dl.replaceChildren();
  for (const [k, v] of facts(n)) {
    const dd = el('dd', '', v);
    if (k === 'Approved alternative' && n.alternative) {
      const url = altLink(n.alternative);
      if (url) {
        dd.append(' — ');
        const a = el('a', '', `Get ${n.alternative}`);
        a.href = url;
        a.target = '_blank';
        a.rel = 'noopener noreferrer';
        dd.append(a);
      }
    }
    dl.append(el('dt', '', k), dd);
  }
  $('open-request').setAttribute('aria-label', `Request an exception for ${tool}`);
  const sil = $('silence');
  // Warnings can be silenced on the desktop; blocks and quarantines always notify.
  sil.hidden = !(n.action === 'warn' || n.action === 'notify');
  const silenced = data.silenced.includes(n.tool);
  sil.textContent = silenced ? 'Show desktop warnings again' : 'Silence desktop warnings';
  sil.setAttribute('aria-pressed', String(silenced));
  sil.setAttribute('aria-label', `${silenced ? 'Show desktop warnings again' : 'Silence desktop warnings'} about ${tool}`);
  const mine = data.requests.filter((r) => r.tool === n.tool);
  const box = $('notice-requests');
  box.replaceChildren();
  if (mine.length) {
    box.append(el('h3', '', 'Your requests for this tool'));
    const ul = el('ul', 'requests');
    ul.append(...mine.map(requestItem));
    box.append(ul);
  }
}

function renderRequestForm() {
  const n = noticeById(current);
  $('request-h').textContent = n ? `Request an exception for ${nameOf(n.tool, n.name)}` : 'Request an exception';
}

$('copy-details').addEventListener('click', async () => {
  const n = noticeById(current);
  if (!n) return;
  const text = detailsText(n);
  try {
    await navigator.clipboard.writeText(text);
    $('copy-status').textContent = 'Details copied: paste them into your ticket.';
    $('copy-fallback').hidden = true;
  } catch {
    // No clipboard access: show the text selected, for Ctrl+C.
    const t = $('copy-fallback');
    t.value = text;
    t.hidden = false;
    t.select();
    $('copy-status').textContent = 'Press Ctrl+C (⌘C) to copy the selected details.';
  }
});

$('open-request').addEventListener('click', () => show('request'));

$('silence').addEventListener('click', async () => {
  const n = noticeById(current);
  if (!n) return;
  const res = await api('/api/silence', { method: 'POST', body: JSON.stringify({ tool: n.tool, silenced: !data.silenced.includes(n.tool) }) });
  data.silenced = res.silenced;
  renderNotice();
});

$('request-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const n = noticeById(current);
  const status = $('request-status');
  const reason = $('reason').value.trim();
  if (reason.length < 10) {
    status.textContent = 'Please say in at least 10 characters why you need it.';
    $('reason').setAttribute('aria-invalid', 'true');
    $('reason').focus();
    return;
  }
  $('reason').removeAttribute('aria-invalid');
  $('send-request').disabled = true;
  try {
    await api('/api/exceptions', { method: 'POST', body: JSON.stringify({ tool: n.tool, reason, duration_days: Number($('duration').value) }) });
    $('reason').value = '';
    status.textContent = '';
    await refresh();
    show('requests');
  } catch (err) {
    status.textContent = `Could not send the request: ${err.message}`;
  } finally {
    $('send-request').disabled = false;
  }
});

// ---- what warden checks
function reportRows(report) {
  const decisions = new Map((report.decisions ?? []).map((d) => [d.finding, d]));
  return (report.findings ?? []).map((f) => {
    const tr = document.createElement('tr');
    // Same id the agent's policy input gives a finding: tool:channel:user ('-' for machine-wide).
    const d = decisions.get(`${f.tool_id}:${f.channel}:${f.user ?? '-'}`);
    const where = f.paths.length ? f.paths.join('\n') : '—';
    const decided = !d ? 'Allowed' : d.action === 'allow' && d.reason.startsWith('exception ') ? 'Allowed by an exception' : (LABEL[d.action] ?? d.action);
    for (const v of [f.name, f.version ?? 'unknown', f.channel, where, decided]) tr.append(el('td', '', String(v)));
    return tr;
  });
}

function renderChecks() {
  const r = data.report;
  const host = $('host');
  host.replaceChildren();
  if (r) {
    const os = r.host.os;
    for (const [k, v] of [
      ['Computer', r.host.hostname],
      ['System', `${os.platform} ${os.distro ?? ''} ${os.release ?? ''} (${os.arch})`.replace(/\s+/g, ' ')],
      ['Serial number', r.host.serial ?? 'unknown'],
      ['Last checked', new Date(r.scanned_at).toLocaleString()],
      ['Policy revision', r.bundle_revision],
    ]) host.append(el('dt', '', k), el('dd', '', v));
  }
  const rows = r ? reportRows(r) : [];
  const table = $('report');
  table.querySelector('tbody').replaceChildren(...rows);
  table.hidden = rows.length === 0;
  $('report-empty').hidden = rows.length > 0;
}

async function refresh() {
  const err = $('error');
  try {
    data = await api('/api/view');
    renderBrand();
    $('notices').replaceChildren(...data.notices.map(noticeItem));
    $('notices-empty').hidden = data.notices.length > 0;
    $('requests').replaceChildren(...data.requests.map(requestItem));
    $('requests-empty').hidden = data.requests.length > 0;
    $('refused').hidden = data.refused.length === 0;
    $('refused-list').replaceChildren(...data.refused.map((r) => el('li', '', `${day(r.at)}: ${r.error}`)));
    renderChecks();
    if (view === 'notice') renderNotice();
    err.hidden = true;
  } catch (e) {
    err.textContent = `Cannot reach the warden agent (${e.message}).`;
    err.hidden = false;
  }
}

await refresh();
show(view, false);
setInterval(refresh, 5_000);
