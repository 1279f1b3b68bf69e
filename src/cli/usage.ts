/**
 * What `quote-sync --help` and `--version` print: every command and flag with a line saying what
 * it does, and the version of the installed package.
 */
import { readFileSync } from 'node:fs';

export const USAGE = `usage: quote-sync <command> [flags]

commands:
  sync <file>...      write the quotes of each CSV or JSON file into Notion, once each, one job per file
  resume <jobId>      finish a job that was stopped (Ctrl-C, a crash, a Notion outage)
  jobs                list recent jobs: id, state, counts, where they wrote

flags of sync:
  --database ID       write into this existing database (an id or its URL) instead of the configured target
  --parent-page ID    create the database under this page (an id or its URL) instead of the configured target
  --map FIELD=PROP    put an input field into a property of that name (repeatable; remembered per database)
  --chunk-size N      split the job into databases of at most N quotes each, under the parent page
  --careful           pause between quotes and back off long after a conflict (NOTION_PROFILE=careful)
  --update            also change the pages of quotes already in Notion whose fields differ
  --json              print one report object (an array of them for several files) instead of the summary

flags of resume and jobs:
  --json              print JSON instead of text
  --limit N           jobs: how many recent jobs to list (default 20)

  -h, --help          print this help: every command and flag
  -v, --version       print the version of quote-sync

Configuration comes from the environment (or a .env file in the working directory): NOTION_TOKEN,
and NOTION_DATABASE_ID or NOTION_PARENT_PAGE_ID (the database wins when both are set); see docs/configuration.md.
Exit codes: 0 every valid quote is in Notion; 2 unusable input or configuration, nothing written;
3 some quotes could not be written (they are in the not-written CSV); 130 interrupted (resumable).
With several files, each is synced in turn and the exit code is the worst of theirs.
`;

/** The version in quote-sync's package.json: two folders up from src/cli, three from dist/src/cli. */
export function packageVersion(): string {
  for (const up of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'quote-sync' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // Not there (the other layout): try the next.
    }
  }
  return 'unknown';
}
