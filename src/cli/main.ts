#!/usr/bin/env node
import { processEnv } from '../config.js';
import { runCli } from './run.js';

/** How long the process may take to exit once the job is over. */
const EXIT_GRACE_MS = 5000;

const controller = new AbortController();
let stops = 0;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    stops += 1;
    // First signal: finish the request in flight and stop resumably. Second: leave now.
    if (stops > 1) process.exit(130);
    process.stderr.write(`\n${signal}: stopping after the request in flight…\n`);
    controller.abort();
  });
}

const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: processEnv(),
  signal: controller.signal,
});
process.exitCode = code;
// Every timer and socket of the job is closed by now, so Node exits as the loop drains. Should
// anything still hold it, leave anyway, and say so: a script waiting on this must not hang.
setTimeout(() => {
  process.stderr.write('quote-sync: something held the process open after the job; exiting.\n');
  process.exit(code);
}, EXIT_GRACE_MS).unref();
