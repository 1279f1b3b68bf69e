/**
 * The local Slack plays Workflow Builder steps as Slack documents them: the `function_executed`
 * event from the manifest's definition, the execution's token (only while the step runs, and
 * for that execution), and functions.completeSuccess / completeError checked and recorded.
 */
import { readFileSync } from 'node:fs';
import { ErrorCode, LogLevel, WebClient, type Logger } from '@slack/web-api';
import { afterEach, describe, expect, it } from 'vitest';
import { startSlackServer, type FunctionDefinition, type LocalSlack } from './local-slack.js';

const manifest = JSON.parse(readFileSync(new URL('../../manifest.json', import.meta.url), 'utf8')) as { functions: Record<string, FunctionDefinition> };
const STEP = 'sync_quotes_to_notion';
const silent: Logger = { debug() {}, info() {}, warn() {}, error() {}, setLevel() {}, getLevel: () => LogLevel.ERROR, setName() {} };

let slack: LocalSlack | undefined;
afterEach(async () => {
  await slack?.close();
  slack = undefined;
});

const clientWith = (s: LocalSlack, token: string) => new WebClient(token, { slackApiUrl: s.apiUrl, logger: silent, retryConfig: { retries: 0 } });

async function slackError(call: Promise<unknown>): Promise<string | undefined> {
  try {
    await call;
    return undefined;
  } catch (error) {
    const e = error as { code?: string; data?: { error?: string } };
    return e.code === ErrorCode.PlatformError ? e.data?.error : `not a platform error: ${String(error)}`;
  }
}

describe('custom steps in the local Slack', () => {
  it('makes the function_executed event from the manifest, and refuses inputs the step does not declare', async () => {
    slack = await startSlackServer({ functions: manifest.functions });
    const event = slack.functions.start(STEP, { file: 'F0FILE', update: true });
    expect(event).toMatchObject({
      type: 'function_executed',
      function: { callback_id: STEP, title: 'Sync quotes to Notion', type: 'app', app_id: 'A0LOCAL' },
      inputs: { file: 'F0FILE', update: true },
      function_execution_id: expect.stringMatching(/^Fx/),
      bot_access_token: expect.stringMatching(/^xwfp-/),
    });
    expect(event.function.input_parameters.map((p) => [p.name, p.type])).toContainEqual(['file', 'slack#/types/file_id']);
    expect(() => slack!.functions.start(STEP, { files: 'F1' })).toThrow('declares no input files');
  });

  it('takes one answer per execution, with outputs as declared, then revokes its token', async () => {
    slack = await startSlackServer({ functions: manifest.functions });
    const event = slack.functions.start(STEP, { file: 'F0FILE' });
    const other = slack.functions.start(STEP, { file: 'F0OTHER' });
    const step = clientWith(slack, event.bot_access_token);
    const id = event.function_execution_id;
    // The token acts as the bot while the step runs.
    expect((await step.auth.test()).ok).toBe(true);
    expect(await slackError(step.functions.completeSuccess({ function_execution_id: id, outputs: { job_id: 'j1' } }))).toBe('parameter_validation_failed');
    expect(await slackError(step.functions.completeSuccess({ function_execution_id: other.function_execution_id, outputs: {} }))).toBe('function_execution_not_found');
    const outputs = { job_id: 'j1', written: 3, already_there: 0, updated: 0, failed: 0 };
    await step.functions.completeSuccess({ function_execution_id: id, outputs });
    expect(slack.functions.completions).toEqual([{ executionId: id, method: 'functions.completeSuccess', outputs, by: 'execution token' }]);
    expect(await slackError(step.functions.completeError({ function_execution_id: id, error: 'again' }))).toBe('token_revoked');
    expect(await slackError(clientWith(slack, slack.token).functions.completeError({ function_execution_id: id, error: 'again' }))).toBe('execution_not_in_running_state');
  });

  it('expires a token on demand; the bot token completes the step unless Slack is told not to take it', async () => {
    slack = await startSlackServer({ functions: manifest.functions });
    const event = slack.functions.start(STEP, { file: 'F0FILE' });
    slack.functions.expireToken(event.function_execution_id);
    expect(await slackError(clientWith(slack, event.bot_access_token).auth.test())).toBe('token_expired');
    await clientWith(slack, slack.token).functions.completeError({ function_execution_id: event.function_execution_id, error: 'No quotes.' });
    expect(slack.functions.completions).toEqual([{ executionId: event.function_execution_id, method: 'functions.completeError', error: 'No quotes.', by: 'bot token' }]);
    await slack.close();

    slack = await startSlackServer({ functions: manifest.functions, functionsAcceptBotToken: false });
    const refused = slack.functions.start(STEP, { file: 'F0FILE' });
    expect(await slackError(clientWith(slack, slack.token).functions.completeError({ function_execution_id: refused.function_execution_id, error: 'x' }))).toBe('not_allowed_token_type');
  });
});
