/** What names a Slack request in the log: the body's event_id, else its trigger_id; else nothing. */
import { describe, expect, it } from 'vitest';
import { slackRequestIdOf } from '../../src/slack/request-scope.js';

describe('slackRequestIdOf', () => {
  it("takes an event's event_id, else a command's or interaction's trigger_id", () => {
    expect(slackRequestIdOf({ type: 'event_callback', event_id: 'Ev0ABC', event: { type: 'message' } })).toBe('Ev0ABC');
    expect(slackRequestIdOf({ command: '/sync-quotes', trigger_id: '123.456.abc' })).toBe('123.456.abc');
    expect(slackRequestIdOf({ event_id: 'Ev0ABC', trigger_id: '123.456.abc' })).toBe('Ev0ABC');
  });

  it('names nothing without either (an options request)', () => {
    expect(slackRequestIdOf({ type: 'block_suggestion', value: 'quo' })).toBeUndefined();
    expect(slackRequestIdOf({ event_id: '' })).toBeUndefined();
    expect(slackRequestIdOf(undefined)).toBeUndefined();
  });
});
