/** Every input class the fuzz suite generates, in one list. */
import type { InputClass } from './context.js';
import { jsonClass } from './json-graphs.js';
import { atermClass } from './aterm.js';
import { elfClass } from './elf.js';
import { archiveClass } from './archives.js';
import { allowlistClass, rulesClass } from './config-files.js';

export const CLASSES: InputClass[] = [jsonClass, atermClass, elfClass, archiveClass, allowlistClass, rulesClass];
