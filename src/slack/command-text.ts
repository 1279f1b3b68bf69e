/**
 * What a person typed after /sync-quotes, as a request the app can act on. Pure. Slack sends
 * links wrapped as `<https://…>` or `<https://…|label>`; job ids are the store's; Gumloop inputs
 * are `name=value`, a value in double quotes may hold spaces.
 */

export type SyncCommand =
  | { kind: 'help'; problem?: string }
  | { kind: 'url'; url: string; update?: true }
  | { kind: 'status'; jobId?: string }
  | { kind: 'retry'; jobId: string }
  | { kind: 'cancel'; jobId: string }
  | { kind: 'run'; savedItemId: string; inputs: { input_name: string; value: string }[]; update?: true }
  | { kind: 'gumloop'; runId: string; update?: true }
  | { kind: 'digest' }
  | { kind: 'target'; action: 'choose' | 'show' | 'clear' }
  | { kind: 'target'; action: 'set'; link: string };

export const HELP_TEXT = [
  '*/sync-quotes* moves quotes into Notion, each exactly once.',
  '• `/sync-quotes https://…/quotes.csv`: sync a CSV or JSON file from a link (or upload the file to this channel)',
  '• `/sync-quotes update <link>` (or `update run …`, `update gumloop …`, or a file uploaded with the message `update`): also change the pages of quotes already in Notion whose fields differ',
  '• `/sync-quotes status [job]`: how a job is doing (the latest jobs without one)',
  '• `/sync-quotes retry <job>`: write what a job left unwritten, e.g. after fixing Notion access',
  '• `/sync-quotes cancel <job>`: stop a job (it can be retried later)',
  '• `/sync-quotes run <flow id> [input=value …]`: run a Gumloop flow, then sync its quotes',
  '• `/sync-quotes gumloop <run id>`: sync the quotes of a finished Gumloop run',
  '• `/sync-quotes digest`: post the daily digest now',
  '• `/sync-quotes target`: choose the Notion database for this channel (`target <notion link>` sets it, `target show` tells it, `target clear` goes back to the default)',
].join('\n');

const JOB_ID = /^[0-9a-f]{10}$/;

export function parseCommandText(raw: string): SyncCommand {
  const text = raw.trim();
  // `update …`: the same request, in update mode (quotes already in Notion get their pages changed).
  const update = /^update(?:\s+([\s\S]*))?$/i.exec(text);
  if (update) {
    const inner = parseCommandText(update[1] ?? '');
    if (inner.kind === 'url' || inner.kind === 'run' || inner.kind === 'gumloop') return { ...inner, update: true };
    if (inner.kind === 'help' && inner.problem && update[1]) return inner;
    return { kind: 'help', problem: '`update` goes before a link, `run <flow id>` or `gumloop <run id>`: `/sync-quotes update <link>`.' };
  }
  if (text === '' || /^help$/i.test(text)) return { kind: 'help' };
  const link = /^<?(https?:\/\/[^\s|>]+)(?:\|[^>]*)?>?$/i.exec(text);
  if (link) return { kind: 'url', url: link[1]! };
  const words = tokenize(text);
  const [verb = '', ...rest] = words;
  const job = (usage: string): { id: string } | { problem: string } => {
    const id = rest[0];
    if (!id) return { problem: `Which job? Usage: \`/sync-quotes ${usage} <job>\`.` };
    if (!JOB_ID.test(id)) return { problem: `"${id}" is not a job id (10 letters and digits, as in the job's thread).` };
    return { id };
  };
  switch (verb.toLowerCase()) {
    case 'status': {
      if (rest.length === 0) return { kind: 'status' };
      const j = job('status');
      return 'id' in j ? { kind: 'status', jobId: j.id } : { kind: 'help', problem: j.problem };
    }
    case 'retry':
    case 'cancel': {
      const j = job(verb.toLowerCase());
      return 'id' in j ? { kind: verb.toLowerCase() as 'retry' | 'cancel', jobId: j.id } : { kind: 'help', problem: j.problem };
    }
    case 'run': {
      const [savedItemId, ...pairs] = rest;
      if (!savedItemId) return { kind: 'help', problem: 'Which flow? Usage: `/sync-quotes run <flow id> [input=value …]`.' };
      const inputs: { input_name: string; value: string }[] = [];
      for (const pair of pairs) {
        const at = pair.indexOf('=');
        if (at <= 0) return { kind: 'help', problem: `"${pair}" is not an input: write \`name=value\`.` };
        inputs.push({ input_name: pair.slice(0, at), value: pair.slice(at + 1) });
      }
      return { kind: 'run', savedItemId, inputs };
    }
    case 'gumloop':
      return rest[0] ? { kind: 'gumloop', runId: rest[0] } : { kind: 'help', problem: 'Which run? Usage: `/sync-quotes gumloop <run id>`.' };
    case 'digest':
      return { kind: 'digest' };
    case 'target': {
      const what = rest.join(' ').trim();
      if (what === '') return { kind: 'target', action: 'choose' };
      if (/^(show|clear)$/i.test(what)) return { kind: 'target', action: what.toLowerCase() as 'show' | 'clear' };
      // One link, which Slack may have wrapped with a label that has spaces: `<https://…|Acme quotes>`.
      if (rest.length === 1 || /^<[^<>\s]+\|[^<>]*>$/.test(what)) return { kind: 'target', action: 'set', link: rest.length === 1 ? rest[0]! : what };
      return { kind: 'help', problem: '`target` takes a Notion link, `show` or `clear`: `/sync-quotes target <notion link>`.' };
    }
    default:
      return { kind: 'help', problem: `I don't know "${truncate(text)}".` };
  }
}

/** Splits on spaces; "double quotes" keep spaces (also after `name=`). */
function tokenize(text: string): string[] {
  const out: string[] = [];
  const re = /(?:[^\s"]+|"[^"]*")+/g;
  for (const m of text.matchAll(re)) out.push(m[0].replace(/"([^"]*)"/g, '$1'));
  return out;
}

function truncate(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
}
