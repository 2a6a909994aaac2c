// `warden-agent __cycle TRIGGER PREVIOUS-FAILURE [run flags]` (hidden; started by the daemon only):
// one whole agent cycle in a short-lived process — check in with the server, fetch and verify the
// bundle (keeping the last good one on any failure), scan, evaluate, enforce, queue and upload —
// then the compact result (wire/src/cycle-result.ts) on fd 3, a pipe only the daemon holds, and
// exit. Everything the cycle loads (axios, opa-wasm, systeminformation, ajv, node-cron) goes with
// the process. The process watch is not run here: the daemon runs it on the targets reported.
// SIGTERM/SIGINT are ignored so a service stop lets the cycle finish (the daemon waits for it,
// bounded by cycle_timeout_ms).
import { writeSync } from 'node:fs';
import cron from 'node-cron';
import type { AgentConfig } from '../../../wire/src/config.ts';
import type { CycleResult } from '../../../wire/src/cycle-result.ts';
import { createPipeline } from './pipeline.ts';
import { configFromArgs } from './run-command.ts';
import { SyncAgent, checkInOffset, jsonLog } from './sync-agent.ts';

/** File descriptor of the result pipe the daemon opens (stdio index 3), named in the child's environment. */
export const RESULT_FD = 3;
export const RESULT_FD_ENV = 'WARDEN_CYCLE_RESULT_FD';

function nextCheckIn(config: AgentConfig): string | null {
  const task = cron.createTask(config.check_in_cron, () => undefined);
  try {
    const next = task.getNextRun();
    return next ? new Date(next.getTime() + checkInOffset(config)).toISOString() : null;
  } finally {
    void task.destroy();
  }
}

function emit(r: CycleResult): void {
  const text = `${JSON.stringify(r)}\n`;
  // Only on the pipe the daemon said it opened: run by hand, fd 3 may be one of node's own.
  if (process.env[RESULT_FD_ENV] !== String(RESULT_FD)) {
    process.stdout.write(text);
    return;
  }
  const buf = Buffer.from(text);
  for (let off = 0; off < buf.length; ) {
    try {
      off += writeSync(RESULT_FD, buf, off);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5); // the daemon is reading: wait a moment
    }
  }
}

export default async function cycle(args: string[]): Promise<number> {
  const [trigger = 'manual', previousFailure = '', ...runArgs] = args;
  let config: AgentConfig;
  try {
    config = configFromArgs(runArgs);
  } catch (e) {
    process.stderr.write(`warden-agent run: ${(e as Error).message}\n`);
    return 2;
  }
  const ignore = (): void => undefined;
  process.on('SIGTERM', ignore);
  process.on('SIGINT', ignore);
  const result: CycleResult = { schema: 'warden.cycle-result/v1', trigger, fatal: null, error: null, device_id: null, bundle: null, decisions: 0, events: 0, queued: 0, watch: null, next_check_in_at: null, peak_rss_mb: null };
  if (!cron.validate(config.check_in_cron)) {
    result.fatal = `invalid check-in schedule '${config.check_in_cron}' (a node-cron expression, e.g. '*/5 * * * *')`;
    emit(result);
    return 0;
  }
  const pipeline = await createPipeline(config, { watch: 'daemon' });
  const agent = new SyncAgent(config, pipeline, jsonLog);
  if (previousFailure) agent.agentErrors.push(previousFailure);
  try {
    await agent.prepare();
    // Nothing to enforce and no way to get anything: a configuration error, not a state to wait in.
    if (!agent.activeBundle() && !agent.deviceId && !config.enroll_secret) {
      throw new Error('the agent is not enrolled, has no last good bundle and no enroll secret was given (--enroll-secret)');
    }
  } catch (e) {
    result.fatal = (e as Error).message;
    emit(result);
    return 0;
  }
  const r = await agent.trigger(trigger);
  await agent.stop();
  const active = agent.activeBundle();
  const plan = pipeline.watchPlan();
  const usage = process.resourceUsage();
  Object.assign(result, {
    error: r.error,
    device_id: agent.deviceId,
    bundle: active ? { revision: active.revision, etag: active.etag, changed: Boolean(r.bundle?.changed) } : null,
    decisions: r.decisions.length,
    events: r.events.length,
    queued: r.queued,
    watch: plan ? { targets: plan.targets, interval_ms: plan.intervalMs } : null,
    next_check_in_at: nextCheckIn(config),
    peak_rss_mb: Math.round(usage.maxRSS / 102.4) / 10,
    cpu_ms: Math.round((usage.userCPUTime + usage.systemCPUTime) / 1000),
  } satisfies Partial<CycleResult>);
  emit(result);
  // Whatever a library left open (a keep-alive socket) must not keep the cycle process alive.
  setTimeout(() => process.exit(0), 1000).unref();
  return 0;
}
