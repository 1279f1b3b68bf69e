/**
 * The layout a newcomer reads (src/sync/README.md, src/slack/README.md, src/notion/README.md):
 * no file in src/ or commands/ past 350 lines, no import cycle (type-only imports included),
 * between files or between folders, and inside the folders grouped by stage every import runs
 * down the stages, never up or sideways. Read from the sources, with TypeScript's own import scan.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MAX_LINES = 350;

/** Inside each grouped folder, a folder may import only folders of a lower stage. */
const STAGES: Readonly<Record<string, number>> = {
  'src/sync/run': 3,
  'src/sync/target': 2,
  'src/sync/write': 2,
  'src/sync/resilience': 1,
  'src/sync/outcome': 1,
  'src/slack/app': 3,
  'src/slack/jobs': 2,
  'src/slack/thread': 1,
  'src/slack/targets': 1,
  'src/slack/workflow': 1,
  'src/slack': 0,
  'src/notion': 2,
  'src/notion/pacing': 1,
  'src/notion/pages': 1,
};

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(join(ROOT, dir))) {
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) sources(path, out);
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

const files = [...sources('src'), ...sources('commands')];

/** Each file's relative imports, as repository paths. */
const imports = new Map(
  files.map((file) => {
    const text = readFileSync(join(ROOT, file), 'utf8');
    const named = ts.preProcessFile(text, true, true).importedFiles.map((i) => i.fileName).filter((name) => name.startsWith('.'));
    return [file, named.map((name) => relative(ROOT, resolve(ROOT, dirname(file), name)).replace(/\.js$/, '.ts'))] as const;
  }),
);

/** A file's folder; the files directly in src/ (config, errors, logger) stand alone. */
const unitOf = (file: string): string => (dirname(file) === 'src' ? file : dirname(file));

/** The import cycles of a graph (its strongly connected components of more than one node). */
function cycles(nodes: Iterable<string>, next: (node: string) => Iterable<string>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of next(v)) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1) found.push(component.sort());
  };
  for (const v of nodes) if (!index.has(v)) visit(v);
  return found;
}

describe('the layout of src/ and commands/', () => {
  it(`keeps every file within ${MAX_LINES} lines`, () => {
    const long = files.map((file) => ({ file, lines: readFileSync(join(ROOT, file), 'utf8').split('\n').length - 1 })).filter((f) => f.lines > MAX_LINES);
    expect(long).toEqual([]);
  });

  it('has no import cycle between files', () => {
    expect(cycles(imports.keys(), (file) => imports.get(file) ?? [])).toEqual([]);
  });

  it('has no import cycle between folders', () => {
    const next = new Map<string, Set<string>>();
    for (const [file, targets] of imports) {
      for (const target of targets) if (unitOf(target) !== unitOf(file)) (next.get(unitOf(file)) ?? next.set(unitOf(file), new Set()).get(unitOf(file))!).add(unitOf(target));
    }
    expect(cycles(new Set(files.map(unitOf)), (unit) => next.get(unit) ?? [])).toEqual([]);
  });

  it('imports down the stages of src/sync, src/slack and src/notion, and nothing in src/ imports commands/', () => {
    const against: string[] = [];
    for (const [file, targets] of imports) {
      for (const target of targets) {
        const from = unitOf(file);
        const to = unitOf(target);
        if (from.startsWith('src') && to.startsWith('commands')) against.push(`${file} -> ${target}`);
        const area = (unit: string) => unit.split('/').slice(0, 2).join('/');
        const [a, b] = [STAGES[from], STAGES[to]];
        if (from !== to && area(from) === area(to) && a !== undefined && b !== undefined && !(b < a)) against.push(`${file} -> ${target}`);
      }
    }
    expect(against).toEqual([]);
  });
});
