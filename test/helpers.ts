/** Paths shared by the tests. `../shared` sits beside the repository in CI and here. */
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const sharedDir = path.resolve(repoRoot, '..', 'shared');
export const corpusDir = path.join(sharedDir, 'corpus');
export const referenceDir = path.join(sharedDir, 'reference');
/** Where tests may leave artifacts a human looks at (screenshots, reports). Git-ignored. */
export const artifactsDir = path.join(repoRoot, 'test-artifacts');
