// Runs the built CLI exactly as `node dist/cli.js ARGS` would, and on exit writes the
// process's peak RSS to fd 3 for the fuzz runner. The peak is VmHWM of /proc/self/status
// (this process image only): ru_maxrss would include the RSS the runner had when it forked
// this process, which Linux carries across exec. Usage: node child.mjs CLI ARGS...
import { readFileSync, writeSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [cli, ...args] = process.argv.slice(2);
process.argv = [process.argv[0], cli, ...args];
process.on('exit', (code) => {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    writeSync(3, JSON.stringify({ peakKiB: m ? Number(m[1]) : null, code }));
  } catch {
    // the runner went away: nothing to report to
  }
});
await import(pathToFileURL(cli).href);
