import { describe, expect, it } from 'vitest';
import { HOME_JOBS, HOME_TARGETS, HOME_MAX_BLOCKS, homeView, type HomeInput, type HomeJob } from '../../../src/slack/app/home-view.js';

const CHECKED_AT = Date.parse('2025-06-01T10:00:00Z');

function job(i: number, over: Partial<HomeJob> = {}): HomeJob {
  return {
    id: `job${String(i).padStart(7, '0')}`,
    state: 'done',
    source: `batch-${i}.csv`,
    createdAt: '2025-06-01T09:00:00.000Z',
    counts: { written: 10, alreadyPresent: 2, updated: 0, failed: 1, pending: 0, rejected: 3, duplicates: 4 },
    thread: { url: `https://example.slack.com/archives/C1/p${i}` },
    databases: [{ url: 'https://www.notion.so/abc', title: 'Quotes' }],
    ...over,
  };
}

function input(over: Partial<HomeInput> = {}): HomeInput {
  return {
    jobs: [job(1)],
    moreJobs: false,
    digest: { channelId: 'C0DIGEST', cron: '0 9 * * *', timezone: 'Europe/Berlin', nextRun: new Date('2025-06-02T07:00:00Z') },
    notion: { ok: true, target: { kind: 'parent', parentPageId: 'p', title: 'Quotes' }, url: 'https://www.notion.so/page', checkedAt: CHECKED_AT },
    rate: { learned: undefined, requestsPerSecond: 3 },
    ...over,
  };
}

function texts(view: ReturnType<typeof homeView>): string[] {
  return view.blocks.flatMap((b) => {
    const block = b as { text?: { text: string }; elements?: { text?: string }[] };
    return [...(block.text ? [block.text.text] : []), ...(block.elements ?? []).flatMap((e) => (e.text ? [e.text] : []))];
  });
}

describe('homeView', () => {
  it('lists a job with its state, counts, thread and database links', () => {
    const view = homeView(input());
    expect(view.type).toBe('home');
    expect(texts(view)).toContain(
      '`job0000001` *batch-1.csv*: :white_check_mark: done\n' +
        '10 written · 2 already there · 1 not written · 0 to write · 3 rejected · 4 duplicate(s)\n' +
        '<!date^1748768400^{date_short_pretty} {time}|2025-06-01 09:00 UTC> · <https://example.slack.com/archives/C1/p1|thread> · <https://www.notion.so/abc|Quotes>',
    );
  });

  it('links the channel when there is no permalink, and escapes names from the input', () => {
    const view = homeView(input({ jobs: [job(2, { source: '<!channel> & co.csv', thread: { channel: 'C9' }, databases: [] })] }));
    const line = texts(view).find((t) => t.startsWith('`job0000002`'))!;
    expect(line).toContain('*&lt;!channel&gt; &amp; co.csv*');
    expect(line).toContain(' · <#C9>');
    expect(line).not.toContain('<!channel>');
  });

  it('keeps to HOME_JOBS jobs and Slack\'s 100 blocks, and says where the older ones are', () => {
    const view = homeView(input({ jobs: Array.from({ length: 150 }, (_, i) => job(i)), moreJobs: true }));
    expect(view.blocks.length).toBeLessThanOrEqual(HOME_MAX_BLOCKS);
    expect(texts(view).filter((t) => t.startsWith('`job'))).toHaveLength(HOME_JOBS);
    expect(texts(view).at(-1)).toContain('`/sync-quotes status <job>` shows any job');
  });

  it('keeps every section within 3000 characters and every header within 150, whatever the names', () => {
    const long = 'x'.repeat(5000);
    // A chunked job: one database per chunk, a hundred of them.
    const databases = Array.from({ length: 100 }, (_, i) => ({ url: `https://www.notion.so/${String(i).padStart(32, '0')}`, title: long }));
    const view = homeView(input({ jobs: [job(3, { source: long, databases })] }));
    for (const block of view.blocks as { type: string; text?: { text: string } }[]) {
      if (block.type === 'section') expect(block.text!.text.length).toBeLessThanOrEqual(3000);
      if (block.type === 'header') expect(block.text!.text.length).toBeLessThanOrEqual(150);
    }
    const line = texts(view).find((t) => t.startsWith('`job0000003`'))!;
    // Whole links only, the rest counted.
    expect(line).toMatch(/ · and \d+ more$/);
    expect(line.split('<https://www.notion.so/').slice(1).every((l) => /^\d{32}\|x+…>/.test(l))).toBe(true);
  });

  it('says when there are no jobs yet', () => {
    expect(texts(homeView(input({ jobs: [] })))).toContain(
      'No jobs yet. Upload a CSV or JSON file of quotes to a channel I am in, or use `/sync-quotes <link>`.',
    );
  });

  it('shows a Notion problem with what to do', () => {
    const view = homeView(input({ notion: { ok: false, problem: 'unauthorized', message: 'Notion refused the token (401).', action: 'Set NOTION_TOKEN again.', checkedAt: CHECKED_AT } }));
    expect(texts(view)).toContain(':red_circle: *Notion*: Notion refused the token (401).\n*What to do:* Set NOTION_TOKEN again.');
  });

  it("shows the digest's channel, expression, time zone and next run, or how to turn it on", () => {
    expect(texts(homeView(input()))).toContain(
      'Posted in <#C0DIGEST> on `0 9 * * *` (Europe/Berlin): next run <!date^1748847600^{date_short_pretty} {time}|2025-06-02 07:00 UTC>. `/sync-quotes digest` posts one now.',
    );
    const off = texts(homeView(input({ digest: { channelId: undefined, cron: '0 9 * * *', timezone: 'UTC', nextRun: undefined } })));
    expect(off.some((t) => t.startsWith('Off: set DIGEST_CHANNEL_ID'))).toBe(true);
  });

  it('shows the rate budget learned, or the pace used until one is', () => {
    expect(texts(homeView(input())).some((t) => t.includes('*Rate budget*: not learned yet. Jobs pace at up to 3 request(s) a second'))).toBe(true);
    const learned = texts(homeView(input({ rate: { learned: { budget: 180, windowMs: 60_000 }, requestsPerSecond: 3 } })));
    expect(learned.some((t) => t.includes('*Rate budget*: learned from Notion, 180 request(s) per 60 s window') && !t.includes('*Note:*'))).toBe(true);
  });

  it('lists each channel\'s target with its health and a Change button, at most HOME_TARGETS, and takes no default for a fault once channels have their own', () => {
    const missing = { ok: false as const, problem: 'target_missing' as const, message: 'No default Notion target is set: only channels with a target of their own can sync.', action: 'Type it.', checkedAt: CHECKED_AT };
    const target = (i: number) => ({
      channel: `C${String(i).padStart(9, '0')}`,
      words: `<https://www.notion.so/${i}|Quotes ${i}>`,
      setBy: 'U1',
      access: i === 0 ? { ...missing, problem: 'not_shared' as const, message: 'It is not shared.', action: 'Share it.' } : { ok: true as const, target: { kind: 'database' as const, databaseId: 'd' }, url: 'u', checkedAt: CHECKED_AT },
      lastWritten: i === 1 ? '2025-06-01T10:00:00Z' : undefined,
    });
    const view = homeView(input({ notion: missing, targets: Array.from({ length: HOME_TARGETS + 3 }, (_, i) => target(i)) }));
    const lines = texts(view);
    expect(lines.find((t) => t.startsWith('<#C000000000>'))).toBe('<#C000000000> → <https://www.notion.so/0|Quotes 0> (set by <@U1>)\n:red_circle: It is not shared. *What to do:* Share it. · nothing written yet');
    expect(lines.find((t) => t.startsWith('<#C000000001>'))).toMatch(/:large_green_circle: can be opened · last written <!date\^/);
    expect(view.blocks.filter((b) => (b as { accessory?: { action_id?: string } }).accessory?.action_id === 'target_change')).toHaveLength(HOME_TARGETS);
    expect(lines.some((t) => t.startsWith('And 3 more channel(s)'))).toBe(true);
    expect(lines.some((t) => t.startsWith(':white_circle: *Notion*: No default Notion target is set'))).toBe(true);
    // With no channel target, no default is a fault with what to do.
    expect(texts(homeView(input({ notion: missing }))).some((t) => t.startsWith(':red_circle: *Notion*: No default'))).toBe(true);
  });
});
