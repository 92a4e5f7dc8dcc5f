// Runs the built CLI exactly as `node dist/cli.js ARGS` would, and on exit writes the
// process's peak RSS (ru_maxrss, KiB) to fd 3 for the fuzz runner. Usage: node child.mjs CLI ARGS...
import { writeSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [cli, ...args] = process.argv.slice(2);
process.argv = [process.argv[0], cli, ...args];
process.on('exit', (code) => {
  try {
    writeSync(3, JSON.stringify({ maxRSS: process.resourceUsage().maxRSS, code }));
  } catch {
    // the runner went away: nothing to report to
  }
});
await import(pathToFileURL(cli).href);
