/**
 * The app as people run it, a process of its own (`commands/main.ts` under tsx), for tests and the
 * benchmark that run several replicas: its JSON log lines as they come, and a driver that delivers
 * signed Slack requests to its port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LocalSlack } from '../fakes/local-slack.js';
import { exited } from './cli.js';
import { SIGNING_SECRET, SlackDriver } from './slack-app.js';

const MAIN = fileURLToPath(new URL('../../commands/main.ts', import.meta.url));

export interface AppProcess {
  name: string;
  child: ChildProcess;
  /** Its log lines (pino JSON on stderr), parsed as they arrive. */
  lines: Record<string, unknown>[];
  port: number;
  driver: SlackDriver;
}

/** Starts the app with `env` (HTTP mode, PORT=0, LOG_LEVEL info or lower) and resolves once it listens. */
export async function startAppProcess(name: string, env: Record<string, string>, slack: LocalSlack): Promise<AppProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Record<string, unknown>[] = [];
  let partial = '';
  let raw = '';
  const port = new Promise<number>((resolve, reject) => {
    const read = (d: Buffer) => {
      raw += d.toString();
      partial += d.toString();
      const parts = partial.split('\n');
      partial = parts.pop() ?? '';
      for (const part of parts) {
        try {
          const line = JSON.parse(part) as Record<string, unknown>;
          lines.push(line);
          if (line.msg === 'quote sync is running') resolve(Number(line.port));
        } catch {
          // Not a log line (a warning from Node): kept in `raw` only.
        }
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.once('exit', (code) => reject(new Error(`app process ${name} exited (${code}) before it ran: ${raw.slice(0, 2000)}`)));
  });
  try {
    const listening = await port;
    return { name, child, lines, port: listening, driver: new SlackDriver(`http://127.0.0.1:${listening}`, slack, SIGNING_SECRET) };
  } catch (error) {
    await stopAppProcess(child);
    throw error;
  }
}

/** SIGTERM (the app lets its request in flight finish), SIGKILL after `graceMs`. */
export async function stopAppProcess(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = exited(child);
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await gone;
  clearTimeout(timer);
}

/** Kills every app process still running (a test's clean-up), and empties the list. */
export async function killAppProcesses(apps: AppProcess[]): Promise<void> {
  for (const app of apps.splice(0)) {
    if (app.child.exitCode === null && app.child.signalCode === null) {
      app.child.kill('SIGKILL');
      await exited(app.child);
    }
  }
}
