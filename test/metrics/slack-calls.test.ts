/** The Slack side's labels: a Web API method read from the URL the WebClient calls, bounded. */
import { describe, expect, it } from 'vitest';
import { slackMethodOf } from '../../src/metrics/slack-calls.js';

describe('slackMethodOf', () => {
  it('reads the method under the API URL, with or without its trailing slash', () => {
    expect(slackMethodOf('https://slack.com/api/chat.postMessage', 'https://slack.com/api/')).toBe('chat.postMessage');
    expect(slackMethodOf('http://127.0.0.1:4000/api/files.getUploadURLExternal', 'http://127.0.0.1:4000/api')).toBe('files.getUploadURLExternal');
  });

  it('names the bytes of an upload, and anything unexpected, with one value each', () => {
    expect(slackMethodOf('https://files.slack.com/upload/v1/ABC123', 'https://slack.com/api/')).toBe('file_upload');
    expect(slackMethodOf('https://slack.com/api/chat.update/C0123?x=1', 'https://slack.com/api/')).toBe('other');
    expect(slackMethodOf('https://slack.com/api/', 'https://slack.com/api/')).toBe('other');
  });
});
