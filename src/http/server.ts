/**
 * The HTTP server: liveness, readiness and metrics now; webhooks and admin
 * endpoints are added later as further route modules.
 *
 * Fastify's own logger is off. Requests are logged here at debug with method,
 * route, status and duration only, because URLs, headers and bodies of webhook
 * and admin requests carry secrets and personal data.
 *
 * @packageDocumentation
 */

import { STATUS_CODES } from 'node:http';
import { TimeoutError, withTimeout } from '../timeout.js';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import { errorFields, type Logger } from '../logger.js';
import type { Metrics } from './metrics.js';

/** The result of one readiness check. */
export interface CheckResult {
  /** Whether the dependency is usable. */
  ok: boolean;
  /** A short reason when it is not: an error code or name, never data. */
  detail?: string;
}

/** The readiness of the process: all checks, and whether every one passed. */
export interface HealthReport {
  /** True when every check passed. */
  ok: boolean;
  /** Each check's result, by name (`mongodb`, `redis`, `telegram`, ...). */
  checks: Record<string, CheckResult>;
}

/**
 * One readiness check: resolves (with nothing, or a {@link CheckResult}) when
 * the dependency is usable, throws when it is not.
 */
export type HealthCheck = () => Promise<CheckResult | void>;

/** How long one readiness check may take before it counts as failed. */
export const DEFAULT_CHECK_TIMEOUT_MS = 2000;

/**
 * Extra time the readiness route allows the whole report beyond one check's
 * timeout, so a report built with {@link createHealthCheck} names the check
 * that timed out instead of the route's generic timeout winning the race.
 */
const REPORT_GRACE_MS = 500;

/** Options for {@link createHealthCheck}. */
export interface HealthCheckOptions {
  /** Milliseconds each check may take; default {@link DEFAULT_CHECK_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Receives each failed check's error, for a log line with {@link errorFields}. */
  onFailure?: (name: string, err: unknown) => void;
}

/**
 * Creates a readiness function from named checks, run in parallel, each bounded
 * by its own timeout so one hung dependency fails its check instead of hanging
 * the report.
 */
export function createHealthCheck(checks: Record<string, HealthCheck>, options: HealthCheckOptions = {}): () => Promise<HealthReport> {
  const { timeoutMs = DEFAULT_CHECK_TIMEOUT_MS, onFailure } = options;
  return async () => {
    const entries = await Promise.all(
      Object.entries(checks).map(async ([name, check]): Promise<[string, CheckResult]> => {
        try {
          const result = await withTimeout(check(), timeoutMs);
          return [name, result ?? { ok: true }];
        } catch (err) {
          onFailure?.(name, err);
          return [name, { ok: false, detail: failureDetail(err) }];
        }
      }),
    );
    const results = Object.fromEntries(entries);
    return { ok: entries.every(([, result]) => result.ok), checks: results };
  };
}

/** What the health routes need. */
export interface HealthRoutesDeps {
  /** Reports readiness; see {@link createHealthCheck}. */
  health: () => Promise<HealthReport>;
  /** The running build's version, shown by `/healthz`. */
  version: string;
  /** Logs failed readiness reports (check names and details only). */
  logger: Logger;
  /** Milliseconds one check may take; default {@link DEFAULT_CHECK_TIMEOUT_MS}. */
  checkTimeoutMs?: number;
}

/**
 * Registers `GET /healthz` (liveness) and `GET /readyz` (readiness).
 *
 * Liveness answers 200 while the process can serve HTTP at all and checks
 * nothing else, so an orchestrator restarts only a process that is truly stuck,
 * not one whose database is briefly away. Readiness answers 200 or 503 with the
 * report, within the check timeout even when `health()` itself never settles.
 */
export function registerHealthRoutes(app: FastifyInstance, deps: HealthRoutesDeps): void {
  const { health, version, logger, checkTimeoutMs = DEFAULT_CHECK_TIMEOUT_MS } = deps;

  app.get('/healthz', async () => ({ status: 'ok', version }));

  app.get('/readyz', async (_request, reply) => {
    let report: HealthReport;
    try {
      report = await withTimeout(health(), checkTimeoutMs + REPORT_GRACE_MS);
    } catch (err) {
      report = { ok: false, checks: { health: { ok: false, detail: failureDetail(err) } } };
    }
    if (!report.ok) {
      const failed = Object.entries(report.checks)
        .filter(([, result]) => !result.ok)
        .map(([name, result]) => ({ name, detail: result.detail }));
      logger.warn({ failed }, 'not ready');
    }
    return reply.code(report.ok ? 200 : 503).send(report);
  });
}

/** What the metrics route needs. */
export interface MetricsRoutesDeps {
  /** The metrics to render. */
  metrics: Metrics;
}

/** Registers `GET /metrics`, the Prometheus text exposition. */
export function registerMetricsRoutes(app: FastifyInstance, deps: MetricsRoutesDeps): void {
  const { metrics } = deps;
  app.get('/metrics', async (_request, reply) => {
    const text = await metrics.render();
    return reply.header('content-type', metrics.contentType).send(text);
  });
}

/** What {@link createHttpServer} needs. */
export interface HttpServerDeps {
  /** The service logger; requests are logged at debug. */
  logger: Logger;
  /** The metrics served at `/metrics`. */
  metrics: Metrics;
  /** Reports readiness for `/readyz`; see {@link createHealthCheck}. */
  health: () => Promise<HealthReport>;
  /** The running build's version. */
  version: string;
  /** Milliseconds one readiness check may take; default {@link DEFAULT_CHECK_TIMEOUT_MS}. */
  checkTimeoutMs?: number;
}

/**
 * Creates the HTTP server with the health and metrics routes, request logging,
 * and JSON 404 and error responses that never echo the request.
 *
 * Further routes (webhooks, admin) are registered on the returned instance
 * before it is started.
 */
export function createHttpServer(deps: HttpServerDeps): FastifyInstance {
  const { logger, metrics, health, version, checkTimeoutMs } = deps;
  const app = Fastify({ logger: false });

  app.addHook('onResponse', async (request, reply) => {
    logger.debug(
      {
        method: request.method,
        path: loggedPath(request),
        status: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime * 10) / 10,
      },
      'http request',
    );
  });

  // Fastify's default 404 message repeats the method and URL; a URL may hold a
  // token or an id, and the caller already knows what it asked for.
  app.setNotFoundHandler(async (_request, reply) => reply.code(404).send(errorBody(404, 'Route not found')));

  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
    if (status >= 500) {
      logger.error({ ...errorFields(error, { stack: true }), method: request.method, path: loggedPath(request) }, 'http request failed');
      // Internal messages may describe data or infrastructure; the client gets none of it.
      return reply.code(status).send(errorBody(status, 'Internal error'));
    }
    // Client errors (bad JSON, validation, body too large) are Fastify's own
    // messages about the request's shape, useful to the caller and free of data.
    return reply.code(status).send(errorBody(status, error.message));
  });

  registerHealthRoutes(app, { health, version, logger, checkTimeoutMs });
  registerMetricsRoutes(app, { metrics });
  return app;
}

/** A started HTTP server. */
export interface RunningHttpServer {
  /** The base URL it listens on, with the actual port when 0 was asked for. */
  url: string;
  /** Stops accepting connections and waits for in-flight requests to finish. */
  close(): Promise<void>;
}

/** Starts listening on `host` and `port` (0 picks a free port) and reports the actual URL. */
export async function startHttpServer(app: FastifyInstance, { host, port }: { host: string; port: number }): Promise<RunningHttpServer> {
  await app.listen({ host, port });
  const address = app.server.address() as AddressInfo;
  return {
    url: `http://${urlHost(address)}:${address.port}`,
    close: () => app.close(),
  };
}

/**
 * The host part of a URL for a bound address. A wildcard bind is reported as
 * loopback, the address a local caller (a test, a health probe) can reach.
 */
function urlHost({ address, family }: AddressInfo): string {
  if (address === '0.0.0.0') {
    return '127.0.0.1';
  }
  if (family === 'IPv6' || address.includes(':')) {
    return address === '::' ? '[::1]' : `[${address}]`;
  }
  return address;
}

/**
 * The path to log for a request: the route pattern when one matched
 * (`/webhook/:secret`, so path secrets and ids stay out of logs), else the path
 * without its query string, shortened.
 */
function loggedPath(request: FastifyRequest): string {
  const route = request.routeOptions.url;
  if (route !== undefined) {
    return route;
  }
  const path = request.url.split('?', 1)[0] ?? '';
  return path.length > 100 ? `${path.slice(0, 100)}…` : path;
}

function errorBody(statusCode: number, message: string): { statusCode: number; error: string; message: string } {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message };
}

/**
 * A check failure's detail: the error's code or class name (`ECONNREFUSED`,
 * `MongoServerSelectionError`), or the timeout. Never the message, which may
 * quote connection strings or data, and `/readyz` may be reachable by others.
 */
function failureDetail(err: unknown): string {
  if (err instanceof TimeoutError) {
    return err.message;
  }
  const { name, code } = errorFields(err).err;
  return code === undefined ? name : String(code);
}

/** The error of a {@link withTimeout} that ran out of time. */
