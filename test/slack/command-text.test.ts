import { describe, expect, it } from 'vitest';
import { parseCommandText } from '../../src/slack/command-text.js';

describe('/sync-quotes text', () => {
  it.each([
    ['', { kind: 'help' }],
    ['  help ', { kind: 'help' }],
    ['<https://example.com/q.csv>', { kind: 'url', url: 'https://example.com/q.csv' }],
    ['<https://example.com/q.json|quotes.json>', { kind: 'url', url: 'https://example.com/q.json' }],
    ['https://example.com/q.csv', { kind: 'url', url: 'https://example.com/q.csv' }],
    ['update <https://example.com/q.csv>', { kind: 'url', url: 'https://example.com/q.csv', update: true }],
    ['Update run flow123', { kind: 'run', savedItemId: 'flow123', inputs: [], update: true }],
    ['update gumloop run-9', { kind: 'gumloop', runId: 'run-9', update: true }],
    ['status', { kind: 'status' }],
    ['status 0a1b2c3d4e', { kind: 'status', jobId: '0a1b2c3d4e' }],
    ['retry 0a1b2c3d4e', { kind: 'retry', jobId: '0a1b2c3d4e' }],
    ['CANCEL 0a1b2c3d4e', { kind: 'cancel', jobId: '0a1b2c3d4e' }],
    ['run flow123', { kind: 'run', savedItemId: 'flow123', inputs: [] }],
    [
      'run flow123 subreddit=SaaS query="pricing pages" limit=50',
      {
        kind: 'run',
        savedItemId: 'flow123',
        inputs: [
          { input_name: 'subreddit', value: 'SaaS' },
          { input_name: 'query', value: 'pricing pages' },
          { input_name: 'limit', value: '50' },
        ],
      },
    ],
    ['gumloop run_abc', { kind: 'gumloop', runId: 'run_abc' }],
    ['digest', { kind: 'digest' }],
    ['target', { kind: 'target', action: 'choose' }],
    ['target show', { kind: 'target', action: 'show' }],
    ['TARGET Clear', { kind: 'target', action: 'clear' }],
    ['target <https://www.notion.so/x-0123456789abcdef0123456789abcdef|Acme quotes 2027>', { kind: 'target', action: 'set', link: '<https://www.notion.so/x-0123456789abcdef0123456789abcdef|Acme quotes 2027>' }],
    ['target <https://www.notion.so/acme/Acme-0123456789abcdef0123456789abcdef?v=1|Acme>', { kind: 'target', action: 'set', link: '<https://www.notion.so/acme/Acme-0123456789abcdef0123456789abcdef?v=1|Acme>' }],
  ])('%j', (text, expected) => expect(parseCommandText(text)).toEqual(expected));

  it.each([
    ['retry', /Which job\?/],
    ['cancel nope', /"nope" is not a job id/],
    ['status 123', /"123" is not a job id/],
    ['run', /Which flow\?/],
    ['target two links', /`target` takes a Notion link/],
    ['target <https://a.notion.so/x|A b> <https://b|c>', /`target` takes a Notion link/],
    ['run flow123 justaword', /"justaword" is not an input/],
    ['gumloop', /Which run\?/],
    ['update', /`update` goes before a link/],
    ['update status', /`update` goes before a link/],
    ['update run', /Which flow\?/],
    ['frobnicate the quotes', /I don't know "frobnicate the quotes"/],
    ['x'.repeat(100), /…"/],
  ])('%j gets the help with a reason', (text, problem) => {
    const command = parseCommandText(text);
    expect(command.kind).toBe('help');
    expect(command.kind === 'help' && command.problem).toMatch(problem);
  });
});
