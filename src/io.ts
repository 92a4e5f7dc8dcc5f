import { InputError } from './errors.js';

/** What a command needs from the outside world; tests pass their own. */
export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** stdout is a terminal (colour, progress) */
  isTTY: boolean;
  /** stderr is a terminal (progress indicator) */
  stderrIsTTY: boolean;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /**
   * Resolves once everything given to `stdout` was written; rejects with the first write error
   * (a full disk, a closed pipe). Absent in tests, whose stdout cannot fail.
   */
  flush?: () => Promise<void>;
}

export const processIo = (): Io => {
  let pending: Promise<void> = Promise.resolve();
  let failure: Error | null = null;
  // a failing stdout reports through each write's callback; without a listener the stream's
  // 'error' event would end the process with Node's stack trace and exit code 1 ("gate failed")
  process.stdout.on('error', (e) => (failure ??= e));
  return {
    stdout: (s) => {
      const done = new Promise<void>((resolve) => process.stdout.write(s, (e) => (e && (failure ??= e), resolve())));
      pending = pending.then(() => done);
    },
    stderr: (s) => process.stderr.write(s),
    isTTY: Boolean(process.stdout.isTTY),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    env: process.env,
    cwd: process.cwd(),
    flush: async () => {
      await pending;
      if (failure) throw failure;
    },
  };
};

/** A command: argv after the sub-command name; resolves to the exit code. */
export type Command = (argv: string[], io: Io) => Promise<number>;

/** Wait for stdout; a write that failed (full disk, closed pipe) is an InputError. */
export async function flushStdout(io: Io): Promise<void> {
  try {
    await io.flush?.();
  } catch (e) {
    throw new InputError(`cannot write to stdout: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}
