// Prometheus metrics (prom-client) on a registry of this server instance, so several servers in one
// process (tests) do not mix counters. Fleet gauges are read from the store at scrape time.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Repository } from './store/types.ts';

export class Metrics {
  readonly registry = new Registry();
  readonly requests: Histogram<'method' | 'route' | 'status'>;
  readonly errors: Counter<'code'>;
  readonly enrollments: Counter<'result'>;
  readonly checkins: Counter<'kind'>;
  readonly eventsIngested: Counter;
  readonly authThrottled: Counter<'route'>;

  constructor(store: Repository) {
    const registers = [this.registry];
    this.requests = new Histogram({ name: 'warden_http_request_duration_seconds', help: 'HTTP request duration by route', labelNames: ['method', 'route', 'status'], buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers });
    this.errors = new Counter({ name: 'warden_http_errors_total', help: 'Requests refused or failed, by error code', labelNames: ['code'], registers });
    this.enrollments = new Counter({ name: 'warden_enrollments_total', help: 'Enrollment attempts by result', labelNames: ['result'], registers });
    this.checkins = new Counter({ name: 'warden_checkins_total', help: 'Agent check-ins by kind (inventory, events, status)', labelNames: ['kind'], registers });
    this.authThrottled = new Counter({ name: 'warden_auth_throttled_total', help: 'Enrollment/login attempts refused with 429 after too many failures', labelNames: ['route'], registers });
    this.eventsIngested = new Counter({ name: 'warden_events_ingested_total', help: 'Enforcement events stored', registers });
    new Gauge({
      name: 'warden_devices',
      help: 'Enrolled devices',
      registers,
      async collect() {
        this.set(await store.countDevices());
      },
    });
    new Gauge({
      name: 'warden_ban_list_revision',
      help: 'Current ban-list revision',
      registers,
      async collect() {
        this.set(await store.banRevision());
      },
    });
    collectDefaultMetrics({ register: this.registry, prefix: 'warden_process_' });
  }

  observe(method: string, route: string, status: number, seconds: number): void {
    this.requests.observe({ method, route, status: String(status) }, seconds);
  }
}
