// The tray window's page. Data comes from the agent's local tray server; every value is written with
// textContent (never innerHTML), so a tool name or message cannot inject markup.
const token = new URLSearchParams(location.hash.slice(1)).get('token') ?? '';

const LABEL = {
  block: 'Blocked',
  quarantine: 'Removed (restorable by IT)',
  warn: 'Warning',
  notify: 'Notice',
  observe: 'Observed',
  configure: 'Managed settings applied',
  allow: 'Allowed',
};

async function api(path, init = {}) {
  const res = await fetch(path, { ...init, headers: { 'x-warden-tray-token': token } });
  if (!res.ok) throw new Error(`${path}: ${res.status}`);
  return res.json();
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function noticeItem(n, names) {
  const li = el('li', `notice${n.read ? '' : ' unread'}`);
  li.dataset.action = n.action;
  li.dataset.id = n.id;
  if (!n.read) {
    const b = el('button', 'dismiss', 'Dismiss');
    b.addEventListener('click', async () => {
      await api(`/api/notices/${encodeURIComponent(n.id)}/read`, { method: 'POST' });
      await render();
    });
    li.append(b);
  }
  const top = el('div', 'top');
  top.append(el('span', 'tool', names.get(n.tool) ?? n.tool), el('span', 'badge', LABEL[n.action] ?? n.action));
  li.append(top, el('p', 'message', n.message));
  if (n.alternative) li.append(el('p', 'alt', `Use instead: ${n.alternative}`));
  if (n.action === 'warn' && n.grace_until) {
    li.append(el('p', 'meta grace', `Allowed until ${new Date(n.grace_until).toLocaleString()}, then blocked.`));
  }
  const seen = n.count > 1 ? ` · seen ${n.count} times` : '';
  li.append(el('p', 'meta', `${n.day}${seen}${n.rule ? ` · rule ${n.rule}` : ''}`));
  return li;
}

function reportRows(report) {
  const decisions = new Map((report.decisions ?? []).map((d) => [d.finding, d]));
  const findings = report.findings ?? [];
  return findings.map((f) => {
    const tr = document.createElement('tr');
    // Same id the agent's policy input gives a finding: tool:channel:user ('-' for machine-wide).
    const d = decisions.get(`${f.tool_id}:${f.channel}:${f.user ?? '-'}`);
    for (const v of [f.name, f.version ?? 'unknown', f.channel, d ? (LABEL[d.action] ?? d.action) : 'Allowed']) {
      tr.append(el('td', '', String(v)));
    }
    return tr;
  });
}

async function render() {
  const err = document.getElementById('error');
  try {
    const { notices, report } = await api('/api/view');
    // Notices carry the catalog id; the report knows the tool's display name.
    const names = new Map((report?.findings ?? []).map((f) => [f.tool_id, f.name]));
    const list = document.getElementById('notices');
    list.replaceChildren(...notices.map((n) => noticeItem(n, names)));
    document.getElementById('notices-empty').hidden = notices.length > 0;

    const table = document.getElementById('report');
    const rows = report ? reportRows(report) : [];
    table.querySelector('tbody').replaceChildren(...rows);
    table.hidden = rows.length === 0;
    document.getElementById('report-empty').hidden = rows.length > 0;
    err.hidden = true;
  } catch (e) {
    err.textContent = `Cannot reach the warden agent (${e.message}).`;
    err.hidden = false;
  }
}

render();
setInterval(render, 10_000);
