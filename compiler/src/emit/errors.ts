import type { Location } from '../ir/types.ts';

/** A policy the emitter cannot turn into WASM (unknown builtin, malformed IR). */
export class EmitError extends Error {
  readonly location: Location | undefined;
  /** The message without its location prefix. */
  readonly bare: string;
  constructor(message: string, location?: Location) {
    super(location ? `${location.file}:${location.row}:${location.col}: ${message}` : message);
    this.name = 'EmitError';
    this.location = location;
    this.bare = message;
  }
}
