// Shared by both bins: a bundle under build/ is used when it exists and none of the sources it was
// built from changed since (build/<name>.inputs.json lists them); otherwise the bin falls back to the
// TypeScript sources through tsx. `npm run build` (run by `npm start` and `npm test`) makes bundles.
import { readFileSync, statSync } from 'node:fs';

/** The bundle's URL when it can be used, else null. */
export function currentBundle(name) {
  const bundle = new URL(`../build/${name}.mjs`, import.meta.url);
  let built;
  try {
    built = statSync(bundle).mtimeMs;
  } catch {
    return null;
  }
  let sources;
  try {
    sources = JSON.parse(readFileSync(new URL(`../build/${name}.inputs.json`, import.meta.url), 'utf8'));
  } catch {
    return bundle; // an install shipped without the input list (or the sources): the bundle is all there is
  }
  for (const rel of Array.isArray(sources) ? sources : []) {
    try {
      if (statSync(new URL(`../${rel}`, import.meta.url)).mtimeMs > built) return null; // edited after the build
    } catch {
      // source not shipped: nothing newer than the bundle
    }
  }
  return bundle;
}
