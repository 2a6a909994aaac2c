// What every core route plugin receives.
import type { WardenCore } from '../app.ts';

export interface RouteContext {
  core: WardenCore;
  uploadBodyLimit: number;
}
