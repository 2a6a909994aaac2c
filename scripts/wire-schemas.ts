// Writes the JSON Schema files of the policy/enforcement wire types to wire/schemas/, so IT can
// validate a ban list with any JSON Schema tool. The TypeBox objects are the source; the test
// test/policies/schemas.test.ts fails when a file is out of date.
// Run: npx tsx scripts/wire-schemas.ts
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TSchema } from '@sinclair/typebox';
import { BanList } from '../wire/src/banlist.ts';
import { Decision } from '../wire/src/decision.ts';
import { EnforcementEvent } from '../wire/src/event.ts';
import { PolicyInput } from '../wire/src/policy-input.ts';
import { ExceptionRequestFile, PublicExceptions } from '../wire/src/exception-request.ts';

export const SCHEMA_FILES: Record<string, TSchema> = {
  'banlist.schema.json': BanList,
  'decision.schema.json': Decision,
  'event.schema.json': EnforcementEvent,
  'policy-input.schema.json': PolicyInput,
  'exception-request.schema.json': ExceptionRequestFile,
  'tray-exceptions.schema.json': PublicExceptions,
};

export function schemaText(name: string, schema: TSchema): string {
  return `${JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', $id: `https://warden.invalid/schemas/${name}`, ...schema }, null, 2)}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const [name, schema] of Object.entries(SCHEMA_FILES)) {
    writeFileSync(join(import.meta.dirname, '..', 'wire', 'schemas', name), schemaText(name, schema));
    process.stdout.write(`wrote wire/schemas/${name}\n`);
  }
}
