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
}

export const processIo = (): Io => ({
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  isTTY: Boolean(process.stdout.isTTY),
  stderrIsTTY: Boolean(process.stderr.isTTY),
  env: process.env,
  cwd: process.cwd(),
});

/** A command: argv after the sub-command name; resolves to the exit code. */
export type Command = (argv: string[], io: Io) => Promise<number>;
