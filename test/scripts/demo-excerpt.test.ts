/**
 * The thread README.md shows from `npm run demo:slack` is one the demo prints today: the demo runs
 * as a process, and its thread must equal the README's excerpt line for line, but for what differs
 * from run to run (job and database ids, seconds taken, how often the message was edited live).
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { exited } from '../support/cli.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const THREAD_START = '#quotes · U0ALICE shared a file: sample-gumloop.json';

/** What changes between runs, replaced by a placeholder. */
function normalise(lines: string[]): string[] {
  return lines.map((line) =>
    line
      .replace(/\b[0-9a-f]{10}\b/g, '<job>')
      .replace(/notion\.so\/[0-9a-f]{32}/g, 'notion.so/<database>')
      .replace(/\(edited \d+×\)/g, '(edited <n>×)')
      .replace(/ in \d+s;/g, ' in <n>s;'),
  );
}

/** Every fenced block in README.md and docs/ that shows the demo's thread. */
function excerpts(): { where: string; lines: string[] }[] {
  const files = ['README.md', ...(existsSync(join(ROOT, 'docs')) ? readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => join('docs', f)) : [])];
  return files.flatMap((where) =>
    [...readFileSync(join(ROOT, where), 'utf8').matchAll(/^```[^\n]*\n([\s\S]*?)^```$/gm)]
      .map((m) => m[1]!.replace(/\n$/, '').split('\n'))
      .filter((lines) => lines[0] === THREAD_START)
      .map((lines) => ({ where, lines })),
  );
}

describe('the demo excerpts', () => {
  it("README.md's thread from npm run demo:slack is the one the demo prints", { timeout: 120_000 }, async () => {
    const shown = excerpts();
    expect(shown.length).toBeGreaterThan(0);
    const demo = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'demo-slack.ts')], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    demo.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    demo.stderr!.resume();
    expect((await exited(demo)).code).toBe(0);
    // The thread is the first paragraph of what the demo prints.
    const thread = stdout.split('\n\n')[0]!.split('\n');
    expect(thread[0]).toBe(THREAD_START);
    for (const { where, lines } of shown) expect(normalise(lines), where).toEqual(normalise(thread));
  });
});
