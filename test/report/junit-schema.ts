import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { referenceDir } from '../helpers.js';

export const XMLLINT = '/usr/bin/xmllint';
export const XSD = path.join(referenceDir, 'junit-10.xsd');

/** Validates against the Jenkins JUnit schema; resolves to xmllint's stderr on failure. */
export const xsdErrors = async (xml: string): Promise<string> => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'seedaudit-junit-'));
  try {
    const file = path.join(dir, 'report.xml');
    await writeFile(file, xml);
    await promisify(execFile)(XMLLINT, ['--noout', '--schema', XSD, file]);
    return '';
  } catch (e) {
    return String((e as { stderr?: string }).stderr ?? e);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
};

export const canValidate = existsSync(XMLLINT) && existsSync(XSD);
