#!/usr/bin/env node
/**
 * `prepare`, which npm runs after `npm ci` / `npm install` in a checkout: builds dist/ with
 * TypeScript. A production install (`npm ci --omit=dev`) has no TypeScript: it keeps the dist/
 * built before and says so, or, with none, stops with the commands that make one.
 * Plain JavaScript: it must run without the dev dependencies (tsx, typescript).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

// npm runs scripts in the package's folder.
const root = process.cwd();
const APP_ENTRY = join('dist', 'commands', 'main.js');

function typescriptCompiler() {
  try {
    const manifest = createRequire(join(root, 'package.json')).resolve('typescript/package.json');
    return join(manifest, '..', 'bin', 'tsc');
  } catch {
    return undefined;
  }
}

const tsc = typescriptCompiler();
if (tsc) {
  const build = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  process.exit(build.status ?? 1);
}
if (existsSync(join(root, APP_ENTRY))) {
  process.stderr.write('quote-sync: TypeScript is not installed (a production install): keeping the dist/ built before.\n');
  process.exit(0);
}
process.stderr.write(
  `quote-sync: TypeScript is not installed and there is no ${APP_ENTRY} to run, so this install cannot start the app. ` +
    'Build first: `npm ci` (it builds dist/), then `npm prune --omit=dev` to drop the dev dependencies; ' +
    'or run `npm ci --omit=dev` in a copy that already holds dist/ (docs/install.md).\n',
);
process.exit(1);
