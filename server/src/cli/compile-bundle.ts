// The server's bundle compiler: the fleet policy compiled to WASM by warden's own compiler (once per
// process; the ban list is data, so a ban change only rewrites data.json), packed as an OPA bundle.
import type { CompileBundle } from '../bundle-builder.ts';
import { ENTRYPOINT } from '../../../agent/src/policy/bundle.ts';
import { compileFleetPolicy } from '../policy/fleet-policy.ts';

export const compileCurrentPolicy: CompileBundle = async ({ data, revision }) => {
  const module = await compileFleetPolicy();
  return new Map([
    ['.manifest', Buffer.from(JSON.stringify({ revision, roots: [''], wasm: [{ entrypoint: ENTRYPOINT, module: '/policy.wasm' }] }))],
    ['policy.wasm', module],
    ['data.json', Buffer.from(JSON.stringify(data))],
  ]);
};
