#!/usr/bin/env node
import { processEnv } from '../config.js';
import { runCli } from './run.js';

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
