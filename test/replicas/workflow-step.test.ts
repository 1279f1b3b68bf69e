/**
 * A Workflow Builder step that outlives its replica: two processes (`commands/main.ts`, HTTP
 * mode) on one PostgreSQL store. The step's `function_executed` reaches one replica, which starts
 * the job; it is killed (SIGKILL) mid-job. The other takes the job over when its lease runs out,
 * finishes it in the same thread, and completes the step with the token the store kept: the
 * workflow goes on with the job's counts, and neither process ever logged the token.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { WORKFLOW_STEP_CALLBACK_ID } from '../../src/slack/workflow/workflow-step.js';
import { startNotionServer, type LocalNotion } from '../fakes/local-notion.js';
import { startSlackServer, type FunctionDefinition, type LocalSlack } from '../fakes/local-slack.js';
import { startAppProcess, type AppProcess, killAppProcesses } from '../support/app-process.js';
import { exited } from '../support/cli.js';
import { fastEnv, multiplicity } from '../support/harness.js';
import { freshPostgresDatabase, postgresAvailable } from '../support/postgres.js';
import { makeQuoteRecords, recordsToCsv } from '../support/quote-factory.js';
import { CHANNEL, SIGNING_SECRET, USER } from '../support/slack-app.js';

const manifest = JSON.parse(readFileSync(new URL('../../manifest.json', import.meta.url), 'utf8')) as { functions: Record<string, FunctionDefinition> };
const QUOTES = 200;
const KILL_AT = 60;
const LEASE_MS = 1500;

let notion: LocalNotion | undefined;
let slack: LocalSlack | undefined;
const replicas: AppProcess[] = [];
afterEach(async () => {
  await killAppProcesses(replicas);
  await notion?.close();
  await slack?.close();
  notion = slack = undefined;
});

function written(): string[] {
  const [databaseId] = notion!.databaseIds();
  return databaseId ? notion!.propertyTexts(notion!.dataSourceOf(databaseId), 'Quote ID') : [];
}

async function until(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      const logs = replicas.flatMap((r) => r.lines.filter((l) => Number(l.level) >= 40).map((l) => `${r.name}: ${JSON.stringify(l)}`));
      throw new Error(`timed out waiting for ${what}\n${logs.slice(-20).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.skipIf(!postgresAvailable())('a workflow step across replicas', () => {
  it('is completed by the replica that finishes its job after the one that started it is killed', { timeout: 120_000 }, async () => {
    notion = await startNotionServer({ seed: 81, rateLimit: { requestsPerSecond: 100 } });
    slack = await startSlackServer({ functions: manifest.functions });
    const env = fastEnv(notion, await freshPostgresDatabase(), {
      NOTION_REQUESTS_PER_SECOND: '100',
      SLACK_BOT_TOKEN: slack.token,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      PORT: '0',
      LOG_LEVEL: 'info',
      JOB_LEASE_MS: String(LEASE_MS),
    });
    const [one, two] = await Promise.all([startAppProcess('one', env, slack), startAppProcess('two', env, slack)]);
    replicas.push(one, two);

    const upload = slack.userUpload({ channel: CHANNEL, user: USER, name: 'weekly.csv', content: recordsToCsv(makeQuoteRecords(QUOTES, 81)) });
    const event = slack.functions.start(WORKFLOW_STEP_CALLBACK_ID, { file: upload.file.id, update: false });
    expect((await one.driver.event(event)).status).toBe(200);
    await until(() => written().length >= KILL_AT, `${KILL_AT} quotes written`);
    one.child.kill('SIGKILL');
    await exited(one.child);
    expect(slack.functions.completions).toEqual([]);

    await slack.waitFor(() => slack!.functions.completions.length > 0, 'the step completed', 60_000);
    const [done] = slack.functions.completions;
    const jobId = String(done!.outputs?.job_id);
    expect(done).toMatchObject({ executionId: event.function_execution_id, method: 'functions.completeSuccess', by: 'execution token' });
    expect(Number(done!.outputs?.written) + Number(done!.outputs?.already_there)).toBe(QUOTES);
    expect(done!.outputs).toMatchObject({ updated: 0, failed: 0, database_url: expect.any(String) });
    // The survivor took the job over and told Slack; the job ended in its own thread, every quote once.
    expect(two.lines.some((l) => l.msg === 'resuming a job no one holds' && l.jobId === jobId)).toBe(true);
    await until(() => two.lines.some((l) => l.msg === 'workflow step completed'), 'the survivor to log the completion');
    const thread = slack.thread(CHANNEL, upload.message.ts);
    expect(thread[1]!.text).toContain(':white_check_mark: Done.');
    expect(multiplicity(written()).duplicates).toEqual([]);
    expect(written()).toHaveLength(QUOTES);
    // The execution's token is a secret: no log line of either process carries it.
    for (const r of [one, two]) expect(JSON.stringify(r.lines)).not.toContain(event.bot_access_token);
    two.child.kill('SIGTERM');
    expect((await exited(two.child)).code).toBe(0);
  });
});
