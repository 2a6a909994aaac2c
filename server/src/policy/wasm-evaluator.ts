// The real evaluation path: the fleet policy's policy.wasm in the unmodified opa-wasm SDK, through
// the agent's own PolicyEngine (agent/src/policy/evaluate.ts), with a ban list as data. The wasm
// does not depend on the ban list (the list is data), so one compiled module serves every draft.
//
// At fleet scale most devices hand the policy the same input: the same tools, versions, users and
// groups on the same OS. The policy reads the device's id only to match device exceptions and never
// its hostname (policies/warden.rego), so devices whose inputs agree on everything else get one
// evaluation (shapeKey below); a device named by an exception keeps its id in the key.
import type { BanList } from '../../../wire/src/banlist.ts';
import type { Decision } from '../../../wire/src/decision.ts';
import type { PolicyInput } from '../../../wire/src/policy-input.ts';
import { PolicyEngine } from '../../../agent/src/policy/evaluate.ts';
import type { PolicyEvaluator } from './evaluator.ts';
import { HttpError } from '../http-error.ts';

export class WasmPolicyEvaluator implements PolicyEvaluator {
  private wasm: Promise<Buffer> | null = null;

  /** loadWasm: returns the fleet policy compiled to WASM (called once, then cached). */
  constructor(private readonly loadWasm: () => Promise<Buffer>) {}

  async evaluate(list: BanList, inputs: PolicyInput[]): Promise<Decision[][]> {
    this.wasm ??= this.loadWasm();
    const wasm = await this.wasm.catch((err: unknown) => {
      this.wasm = null; // try again next time (the policy may be fixed meanwhile)
      throw new HttpError(503, 'policy_unavailable', `cannot evaluate the fleet policy: ${err instanceof Error ? err.message : String(err)}`);
    });
    const engine = await PolicyEngine.load({ wasm, data: list as unknown as Record<string, unknown>, banList: list, revision: list.revision ?? 'draft', signed: false, digest: '' });
    const excepted = new Set(list.exceptions.flatMap((e) => (e.device === undefined ? [] : [e.device])));
    const byShape = new Map<string, Decision[]>();
    this.lastRun = { inputs: inputs.length, evaluations: 0 };
    return inputs.map((i) => {
      const key = shapeKey(i, excepted);
      let d = byShape.get(key);
      if (!d) {
        d = engine.evaluate(i);
        byShape.set(key, d);
        this.lastRun.evaluations++;
      }
      return d;
    });
  }

  /** Inputs and policy evaluations of the last evaluate() (for the benches). */
  lastRun = { inputs: 0, evaluations: 0 };
}

/**
 * What the policy's decisions depend on: the whole input (whatever fields it grows) except the
 * hostname, with the device id kept only when an exception could name it.
 */
export function shapeKey(i: PolicyInput, exceptedDevices: ReadonlySet<string>): string {
  const keepId = i.exceptions.length > 0 || exceptedDevices.has(i.device.id);
  return JSON.stringify({ ...i, device: { ...i.device, id: keepId ? i.device.id : '', hostname: '' } });
}
