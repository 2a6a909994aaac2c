// The OPA bundle manifest (`/.manifest`) as warden writes and reads it: revision, roots, and the
// WASM resolvers mapping each entrypoint (`pkg/rule`) to its module (`/policy.wasm`). Fields OPA
// defines that warden does not use (metadata, rego_version) are accepted and kept.
import { Type, type Static } from '@sinclair/typebox';

/** `warden/decision`: slash-separated Rego path below `data`. */
export const Entrypoint = Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*(/[A-Za-z_][A-Za-z0-9_]*)*$', description: 'entrypoint, e.g. warden/decision' });
export type Entrypoint = Static<typeof Entrypoint>;

export const WasmResolver = Type.Object(
  {
    entrypoint: Entrypoint,
    /** Absolute path of the module inside the bundle, e.g. `/policy.wasm`. */
    module: Type.String({ pattern: '^/[^\\\\]+\\.wasm$' }),
  },
  { additionalProperties: true },
);
export type WasmResolver = Static<typeof WasmResolver>;

export const BundleManifest = Type.Object(
  {
    revision: Type.String({ maxLength: 256 }),
    /** Data paths the bundle owns; [''] = the whole data tree. */
    roots: Type.Array(Type.String({ maxLength: 1024 }), { maxItems: 1024 }),
    wasm: Type.Optional(Type.Array(WasmResolver, { maxItems: 1024 })),
    rego_version: Type.Optional(Type.Integer({ minimum: 0, maximum: 1 })),
    metadata: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: true },
);
export type BundleManifest = Static<typeof BundleManifest>;
