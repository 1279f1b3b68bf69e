/**
 * The operator's two HTTP routes on the app's port: `/metrics` (Prometheus text, behind
 * `Authorization: Bearer METRICS_TOKEN` when it is set) and `/readyz` (200, or 503 naming what is
 * not ready). The same handlers serve HTTP mode (Bolt's server) and Socket Mode (its small one).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CustomRoute } from '@slack/bolt';
import type { Logger } from '../logger.js';
import type { AppMetrics } from './app-metrics.js';
import { checkReadiness, type Readiness, type ReadinessSources } from './readiness.js';

/** `/metrics` and `/readyz`; `readiness` gives what to check, undefined until the app is put together. */
export function operatorRoutes(o: { metrics: AppMetrics; token: string | undefined; logger: Logger; readiness: () => ReadinessSources | undefined }): CustomRoute[] {
  return [
    { path: '/metrics', method: ['GET'], handler: metricsHandler(o.metrics, o.token, o.logger) },
    {
      path: '/readyz',
      method: ['GET'],
      handler: (req, res) => {
        const sources = o.readiness();
        readinessHandler(sources ? () => checkReadiness(sources) : undefined)(req, res);
      },
    },
  ];
}

/** Whether `header` carries `Bearer <token>`, compared in constant time (digests of equal length). */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const given = /^Bearer\s+(.+)$/i.exec(header ?? '')?.[1]?.trim() ?? '';
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(token)) && given.length > 0;
}

export function metricsHandler(metrics: AppMetrics, token: string | undefined, logger: Logger) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    if (token !== undefined && !bearerMatches(req.headers.authorization, token)) {
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' });
      res.end(JSON.stringify({ ok: false, error: 'Send the metrics token: Authorization: Bearer <METRICS_TOKEN>.' }));
      return;
    }
    metrics.text().then(
      (text) => res.writeHead(200, { 'content-type': metrics.contentType }).end(text),
      (error: unknown) => {
        logger.error({ err: error }, 'collecting the metrics failed');
        res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, error: 'Collecting the metrics failed; the app log says why.' }));
      },
    );
  };
}

/** `check` undefined: the app is still being put together (not ready). */
export function readinessHandler(check: (() => Promise<Readiness>) | undefined) {
  return (_req: IncomingMessage, res: ServerResponse): void => {
    const answer = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (!check) return void answer(503, { ok: false, notReady: [{ check: 'app', reason: 'The app is starting.' }] });
    check().then(
      (readiness) => (readiness.ready ? answer(200, { ok: true }) : answer(503, { ok: false, notReady: readiness.notReady })),
      (error: unknown) => answer(503, { ok: false, notReady: [{ check: 'app', reason: `The readiness check failed: ${(error as Error).message}` }] }),
    );
  };
}
