// Reports: every report and every console view as CSV and JSON, and the printable compliance summary.
import { canReadAudit } from '../api.ts';

const REPORTS: [string, string][] = [
  ['inventory-by-tool', 'Installed AI tools by tool'],
  ['inventory-by-version', 'by tool and version'],
  ['inventory-by-vendor', 'by vendor'],
  ['inventory-by-vendor-country', 'by vendor country'],
  ['inventory-by-device', 'by device'],
  ['noncompliant-devices', 'Non-compliant devices (evaluated by the server with the published list)'],
  ['exceptions', 'Exceptions with hostnames'],
  ['mcp-servers', 'MCP servers configured in AI tools (name, transport, program or URL, scope)'],
  ['managed-settings-bypasses', 'Managed settings bypassed (stale locations, override variables, unmanaged copies)'],
];

const VIEWS: [string, string, boolean][] = [
  ['/api/v1/fleet/devices', 'Devices with their last check-in, bundle and compliance', true],
  ['/api/v1/fleet/devices?compliance=noncompliant', 'Devices with banned tools', true],
  ['/api/v1/inventory', 'Inventory (every installed tool on every device)', true],
  ['/api/v1/events', 'Enforcement events', true],
  ['/api/v1/exceptions', 'Exception requests', true],
  ['/api/v1/bans/history', 'Ban-list history', true],
  ['/api/v1/audit', 'Audit log', false],
];

const withFormat = (path: string, f: string) => `${path}${path.includes('?') ? '&' : '?'}format=${f}`;

export function Reports() {
  const audit = canReadAudit();
  return (
    <>
      <h1>Reports</h1>
      <p>
        <a href="/console/reports/compliance-summary">Printable compliance summary</a> — dated, with the bundle revision in force, one page per section.
      </p>
      <div class="table-wrap">
        <table id="report-list">
          <caption>Reports</caption>
          <thead>
            <tr>
              <th scope="col">report</th>
              <th scope="col">download</th>
            </tr>
          </thead>
          <tbody>
            {REPORTS.map(([kind, label]) => (
              <tr key={kind}>
                <td>{label}</td>
                <td>
                  <a href={`/api/v1/reports/${kind}?format=csv`} download aria-label={`${label} as CSV`}>
                    CSV
                  </a>{' '}
                  <a href={`/api/v1/reports/${kind}?format=json`} download aria-label={`${label} as JSON`}>
                    JSON
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2>Console views</h2>
      <div class="table-wrap">
        <table id="view-list">
          <caption>Every row each view can show (not one page)</caption>
          <thead>
            <tr>
              <th scope="col">view</th>
              <th scope="col">download</th>
            </tr>
          </thead>
          <tbody>
            {VIEWS.filter(([, , all]) => all || audit).map(([path, label]) => (
              <tr key={path}>
                <td>{label}</td>
                <td>
                  <a href={withFormat(path, 'csv')} download aria-label={`${label} as CSV`}>
                    CSV
                  </a>{' '}
                  <a href={withFormat(path, 'json')} download aria-label={`${label} as JSON`}>
                    JSON
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
