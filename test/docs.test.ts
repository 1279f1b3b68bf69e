/**
 * The README is a front page of 12 KB at most, and every relative link in it and in docs/, and
 * every repository path they name, leads to a file that exists: a moved page or source file
 * breaks no link unseen.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const pages = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => join('docs', f))];

describe('the README and docs/', () => {
  it('the front page is 12 KB or less, and links every docs/ page', () => {
    expect(statSync(join(ROOT, 'README.md')).size).toBeLessThanOrEqual(12 * 1024);
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const page of pages.filter((p) => p.startsWith('docs'))) expect(readme, page).toContain(`](${page.replace(/\\/g, '/')})`);
  });

  it('every relative link leads to a file that exists', () => {
    const broken: string[] = [];
    for (const page of pages) {
      const text = readFileSync(join(ROOT, page), 'utf8').replace(/^```[\s\S]*?^```$/gm, '');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^(https?:|mailto:|#)/.test(target!)) continue;
        const path = target!.split('#')[0]!;
        if (!existsSync(join(ROOT, dirname(page), path))) broken.push(`${page}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('every path of the repository they name in backticks exists', () => {
    const missing: string[] = [];
    for (const page of pages) {
      for (const [, path] of readFileSync(join(ROOT, page), 'utf8').matchAll(/`((?:src|commands|test|scripts|bench)\/[\w./-]+)`/g)) {
        if (!existsSync(join(ROOT, path!))) missing.push(`${page}: ${path}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
