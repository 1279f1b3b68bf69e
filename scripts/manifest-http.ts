/**
 * `npm run manifest:http -- https://your.host [file]`: the app manifest for HTTP mode, made from
 * manifest.json (src/slack/app/http-manifest.ts) with Socket Mode off and every request URL set to
 * https://your.host/slack/events. Written to manifest.http.json beside manifest.json, to `file`,
 * or with `-` to stdout; paste it in *Create New App* → *From a manifest*, or over an app's
 * manifest in its settings.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ConfigError } from '../src/errors.js';
import { httpManifest, slackRequestUrl, type SlackManifest } from '../src/slack/app/http-manifest.js';

const SOCKET_MANIFEST = fileURLToPath(new URL('../manifest.json', import.meta.url));
export const DEFAULT_HTTP_MANIFEST = fileURLToPath(new URL('../manifest.http.json', import.meta.url));

const USAGE = 'usage: npm run manifest:http -- https://your.host [file | -]\n';

interface Output {
  write(text: string): void;
}

/** Exit code 0 when written, 2 for a missing or unusable address. */
export async function writeHttpManifest(args: readonly string[], io: { stdout: Output; stderr: Output }): Promise<number> {
  const [publicUrl, file = DEFAULT_HTTP_MANIFEST] = args;
  if (!publicUrl || args.length > 2) {
    io.stderr.write(USAGE);
    return 2;
  }
  let text: string;
  try {
    const manifest = JSON.parse(await readFile(SOCKET_MANIFEST, 'utf8')) as SlackManifest;
    text = `${JSON.stringify(httpManifest(manifest, publicUrl), null, 2)}\n`;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.stderr.write(`${error.message}\n${USAGE}`);
    return 2;
  }
  if (file === '-') {
    io.stdout.write(text);
    return 0;
  }
  await writeFile(file, text);
  io.stderr.write(
    `wrote ${file}: manifest.json with Socket Mode off, and /sync-quotes, events and interactivity sent to ${slackRequestUrl(publicUrl)}.\n` +
      'Leave SLACK_APP_TOKEN unset, set SLACK_SIGNING_SECRET, and serve the app there over HTTPS (it listens on PORT).\n',
  );
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await writeHttpManifest(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
}
