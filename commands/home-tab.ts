/**
 * The Home tab: when a person opens it (`app_home_opened`, tab `home`), the app publishes their
 * view of the recent jobs, the daily digest and the health of the set-up (src/slack/app/home-view.ts).
 * Links to job threads come from `chat.getPermalink`, which Slack documents for exactly this
 * (a message's ts to a link that opens its thread); a message's permalink never changes, so each
 * is asked for once per process.
 */
import type { AllMiddlewareArgs, App } from '@slack/bolt';
import { slackErrorCode, slackFailure } from '../src/errors.js';
import { nextDigestRun } from '../src/digest/next-run.js';
import type { AppContext } from '../src/slack/app/app.js';
import { targetWords } from '../src/slack/targets/channel-targets.js';
import { HOME_JOBS, HOME_TARGETS, homeView, type HomeJob, type HomeTarget } from '../src/slack/app/home-view.js';
import { slackOrigin } from '../src/slack/jobs/jobs.js';
import { integrationKey } from '../src/sync/run/integration-pacer.js';
import { NotionAccessCheck, TargetAccessChecks } from '../src/sync/target/setup-health.js';

type Client = AllMiddlewareArgs['client'];

export function register(app: App, context: AppContext): void {
  const notion = new NotionAccessCheck({ config: context.config, pacer: context.engine.pacer });
  const targets = new TargetAccessChecks({ config: context.config, pacer: context.engine.pacer });
  const permalinks = new Map<string, Promise<string | undefined>>();
  app.event('app_home_opened', async ({ event, client }) => {
    if (event.tab !== 'home') return;
    await publishHome(event.user, client, context, { notion, targets, permalinks });
  });
}

/** Each channel's target with its health: can Notion open it, and when a quote was last written there. */
async function channelTargets(context: AppContext, checks: TargetAccessChecks): Promise<HomeTarget[]> {
  const { store } = context;
  const listed = (await store.channels.list()).slice(0, HOME_TARGETS + 1);
  return Promise.all(
    listed.map(async (t): Promise<HomeTarget> => {
      const databaseId = t.target.kind === 'database' ? t.target.databaseId : (await store.databases.createdUnder(t.target.parentPageId, t.target.title))?.databaseId;
      const [access, lastWritten] = await Promise.all([
        checks.check(t.target, t.target.kind === 'database' ? 'database' : 'parent page'),
        databaseId ? store.channels.lastWritten(databaseId) : Promise.resolve(undefined),
      ]);
      return { channel: t.channel, words: targetWords(t), setBy: t.setBy, access, lastWritten };
    }),
  );
}

async function publishHome(
  user: string,
  client: Client,
  context: AppContext,
  cache: { notion: NotionAccessCheck; targets: TargetAccessChecks; permalinks: Map<string, Promise<string | undefined>> },
): Promise<void> {
  const { config, store, logger } = context;
  const listed = await store.jobs.list(HOME_JOBS + 1);
  const [jobs, notion, targets] = await Promise.all([
    Promise.all(
      listed.slice(0, HOME_JOBS).map(async (job): Promise<HomeJob> => {
        const origin = slackOrigin(job.origin);
        let thread: HomeJob['thread'];
        if (origin) {
          const url = await permalink(origin.channel, origin.messageTs, client, cache.permalinks, logger);
          thread = url ? { url } : { channel: origin.channel };
        }
        return {
          id: job.id,
          state: job.state,
          source: job.source,
          createdAt: job.createdAt,
          counts: await store.quotes.counts(job.id),
          thread,
          databases: (await store.databases.forJob(job.id)).map((d) => ({ url: d.url, title: d.title })),
        };
      }),
    ),
    cache.notion.current(),
    channelTargets(context, cache.targets),
  ]);
  const view = homeView({
    jobs,
    moreJobs: listed.length > HOME_JOBS,
    digest: { ...config.digest, nextRun: config.digest.channelId ? nextDigestRun(config.digest.cron, config.digest.timezone) : undefined },
    notion,
    rate: { learned: await store.rateBudgets.get(integrationKey(config)), requestsPerSecond: config.notion.requestsPerSecond },
    targets,
  });
  try {
    await client.views.publish({ user_id: user, view });
  } catch (error) {
    // Nobody to tell in Slack: the tab stays as it was. The log says what to change.
    const hint = slackErrorCode(error) === 'not_enabled' ? 'turn the Home tab on under "App Home" (manifest: features.app_home.home_tab_enabled)' : undefined;
    logger.warn({ user, error: slackFailure(error), ...(hint ? { hint } : {}) }, 'could not publish the Home tab');
  }
}

/** The job message's permalink, once per message; undefined (the channel is shown instead) when Slack gives none. */
function permalink(
  channel: string,
  ts: string,
  client: Client,
  cache: Map<string, Promise<string | undefined>>,
  logger: AppContext['logger'],
): Promise<string | undefined> {
  const key = `${channel}:${ts}`;
  let link = cache.get(key);
  if (!link) {
    link = client.chat.getPermalink({ channel, message_ts: ts }).then(
      (res) => res.permalink,
      (error: unknown) => {
        // Not kept: the bot may be invited back, or Slack answer next time.
        cache.delete(key);
        logger.info({ channel, error: slackFailure(error) }, 'no permalink for a job thread');
        return undefined;
      },
    );
    cache.set(key, link);
  }
  return link;
}
