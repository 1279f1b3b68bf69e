/**
 * Which Slack request the code running now serves, so that the log lines of what it starts (a
 * job, above all) can name it. Slack sends no request-id header (its requests carry only
 * `x-slack-signature`, `x-slack-request-timestamp` and, on a redelivery, `x-slack-retry-num` and
 * `x-slack-retry-reason`), so a request is named by what its body carries, the same over HTTP and
 * Socket Mode: an event's `event_id` (unique across workspaces; a redelivery keeps it), else the
 * `trigger_id` of a slash command, shortcut, button press or modal submission. Requests with
 * neither (an options request) go unnamed.
 *
 * A global Bolt middleware runs each listener inside the request's scope (AsyncLocalStorage);
 * SlackJobs binds a job's run to the scope it was queued in, since the queue starts it later.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import type { Logger } from '../logger.js';

const scope = new AsyncLocalStorage<string>();

/** What names a request Slack sent, from its body; undefined when it carries nothing that does. */
export function slackRequestIdOf(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const { event_id: eventId, trigger_id: triggerId } = body as { event_id?: unknown; trigger_id?: unknown };
  if (typeof eventId === 'string' && eventId) return eventId;
  if (typeof triggerId === 'string' && triggerId) return triggerId;
  return undefined;
}

/** Bolt middleware (`app.use`): the listeners of a request run in its scope. */
export const slackRequestScope: Middleware<AnyMiddlewareArgs> = async ({ body, next }) => {
  const id = slackRequestIdOf(body);
  await (id ? scope.run(id, next) : next());
};

/** The request the running code serves, if it serves one. */
export function currentSlackRequestId(): string | undefined {
  return scope.getStore();
}

/** `logger`, naming the request the running code serves (`slackRequestId`) when there is one. */
export function requestLogger(logger: Logger): Logger {
  const id = currentSlackRequestId();
  return id ? logger.child({ slackRequestId: id }) : logger;
}
