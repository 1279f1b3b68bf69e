/**
 * The log never carries a secret: tokens, keys and a Workflow Builder step's execution token are
 * redacted wherever a log line puts them.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';

function capture(): { stream: Writable; lines: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({ write: (chunk, _enc, done) => void (chunks.push(String(chunk)), done()) });
  return { stream, lines: () => chunks.join('') };
}

describe('the log', () => {
  it('redacts tokens and keys, and the step token of a function_executed event at any depth', () => {
    const out = capture();
    const logger = createLogger('info', out.stream as never);
    logger.info({ token: 'xoxb-1', apiKey: 'k-2', headers: { authorization: 'Bearer s-3' } }, 'request');
    logger.info({ bot_access_token: 'xwfp-4', event: { bot_access_token: 'xwfp-5' }, body: { event: { bot_access_token: 'xwfp-6' } } }, 'function_executed');
    logger.info({ step: { botAccessToken: 'xwfp-7', executionId: 'Fx1' } }, 'step kept');
    const text = out.lines();
    for (const secret of ['xoxb-1', 'k-2', 's-3', 'xwfp-4', 'xwfp-5', 'xwfp-6', 'xwfp-7']) expect(text).not.toContain(secret);
    expect(text).toContain('Fx1');
    expect(text.match(/\[redacted\]/g)).toHaveLength(7);
  });
});
