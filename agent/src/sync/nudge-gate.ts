// Turns push nudges ("IT decided one of your exception requests: check in soon", push-client.ts) into
// check-ins without letting a flood of them — a buggy server, or whatever answers at its address —
// make the agent hammer the server: a nudge schedules one run after a small random jitter; nudges
// arriving while one is scheduled join it; runs are at least minIntervalMs apart (a nudge too soon
// after the last run is deferred, never dropped, so the last decision always gets its check-in).
// The run is the agent's normal authenticated cycle: the nudge itself carries nothing to believe.

export interface NudgeGateOptions {
  /** Random delay before a run, 0..jitterMs (spreads agents nudged together). */
  jitterMs: number;
  /** Least time between two nudge-driven runs. */
  minIntervalMs: number;
  run: () => void;
  random?: () => number;
}

export const NUDGE_DEFAULTS = { jitterMs: 2_000, minIntervalMs: 15_000 } as const;

export class NudgeGate {
  private timer: NodeJS.Timeout | null = null;
  private lastRun = -Infinity;
  private stopped = false;
  /** Nudges received and runs started, for logs and tests. */
  received = 0;
  runs = 0;

  constructor(private readonly opts: NudgeGateOptions) {}

  nudge(): void {
    this.received += 1;
    if (this.stopped || this.timer) return;
    const jitter = Math.floor((this.opts.random ?? Math.random)() * this.opts.jitterMs);
    const at = Math.max(Date.now() + jitter, this.lastRun + this.opts.minIntervalMs);
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.stopped) return;
      this.lastRun = Date.now();
      this.runs += 1;
      this.opts.run();
    }, at - Date.now());
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
