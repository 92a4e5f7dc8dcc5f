/**
 * Errors the user can fix: bad arguments, unreadable or malformed input, a missing tool.
 * The CLI prints `seedaudit: <message>` on one line and exits 2; anything else is a bug.
 */
export class InputError extends Error {
  override readonly name = 'InputError';
  constructor(message: string) {
    super(message);
  }
}

/** Exit codes, documented in the README. */
export const EXIT = { pass: 0, gateFailed: 1, inputError: 2 } as const;
