import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { repoRoot } from '../helpers.js';

/** The official SARIF 2.1.0 schema (see test/fixtures/sarif/README.md for where it is from). */
export const sarifValidator = (): ValidateFunction => {
  const file = path.join(repoRoot, 'test', 'fixtures', 'sarif', 'sarif-2.1.0-rtm.5.json');
  const { $schema: _draft04, id, ...schema } = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  // unicodeRegExp off: the schema's `language` pattern has a stray `]`, legal in a plain
  // ECMAScript regex but a syntax error under the `u` flag Ajv uses by default.
  const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false });
  // The schema's formats, checked for real rather than ignored.
  ajv.addFormat('uri', (s: string) => URL.canParse(s));
  ajv.addFormat('uri-reference', (s: string) => URL.canParse(s, 'http://base.invalid/') && !/\s/.test(s));
  ajv.addFormat('date-time', (s: string) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(s));
  return ajv.compile({ ...schema, $id: id as string });
};

