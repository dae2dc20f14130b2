import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createHealthCheck, createHttpServer, startHttpServer, type HealthReport } from '../../../src/http/server.js';
import { Metrics } from '../../../src/http/metrics.js';
import { createLogger } from '../../../src/logger.js';

const ok = async (): Promise<void> => {};
const down = async (): Promise<void> => {
  throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });
};
const never = <T>(): Promise<T> => new Promise<T>(() => {});

const apps: FastifyInstance[] = [];

function server(
  health: () => Promise<HealthReport>,
  options: { checkTimeoutMs?: number } = {},
): { app: FastifyInstance; metrics: Metrics; logs: () => string } {
  let logs = '';
  const destination = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      logs += chunk.toString();
      callback();
    },
  });
  const logger = createLogger({ level: 'debug', pretty: false, destination });
  const metrics = new Metrics();
  const app = createHttpServer({ logger, metrics, health, version: '1.2.3', ...options });
  apps.push(app);
  return { app, metrics, logs: () => logs };
}

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

describe('GET /healthz', () => {
  it('answers 200 without consulting readiness', async () => {
    const { app } = server(never);
    const response = await app.inject({ method: 'GET', url: '/healthz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok', version: '1.2.3' });
  });
});

describe('GET /readyz', () => {
  it('answers 200 with the report when every check passes', async () => {
    const { app } = server(createHealthCheck({ mongodb: ok, redis: async () => ({ ok: true, detail: 'PONG' }) }));
    const response = await app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ ok: true, checks: { mongodb: { ok: true }, redis: { ok: true, detail: 'PONG' } } });
  });

  it('answers 503 naming the failed check by its code, not its message', async () => {
    const { app } = server(createHealthCheck({ mongodb: ok, redis: down }));
    const response = await app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({
      ok: false,
      checks: { mongodb: { ok: true }, redis: { ok: false, detail: 'ECONNREFUSED' } },
    });
  });

  it('answers 503 within the 2 s check timeout when a check never settles', async () => {
    const { app } = server(createHealthCheck({ mongodb: ok, redis: never }));
    const started = Date.now();
    const response = await app.inject({ method: 'GET', url: '/readyz' });
    const elapsed = Date.now() - started;
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({
      ok: false,
      checks: { mongodb: { ok: true }, redis: { ok: false, detail: 'timed out after 2000 ms' } },
    });
    expect(elapsed).toBeGreaterThanOrEqual(1900);
    expect(elapsed).toBeLessThan(4000);
  });

  it('answers 503 when the health function itself never settles', async () => {
    const { app } = server(never, { checkTimeoutMs: 50 });
    const response = await app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ ok: false, checks: { health: { ok: false } } });
  });

  it('answers 503 when the health function throws', async () => {
    const { app } = server(async () => {
      throw new Error('boom');
    });
    const response = await app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({ ok: false, checks: { health: { ok: false, detail: 'Error' } } });
  });
});

describe('GET /metrics', () => {
  it('renders the Prometheus text with the service counters', async () => {
    const { app, metrics } = server(createHealthCheck({}));
    metrics.inboundMessage('telegram', 'handled');
    metrics.inboundMessage('telegram', 'handled');
    metrics.setChannelUp('telegram', true);
    metrics.setQueueJobsSource(async () => [{ queue: 'outbound', state: 'waiting', count: 3 }]);
    const response = await app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    expect(response.body).toContain('intake_inbound_messages_total{channel="telegram",outcome="handled"} 2');
    expect(response.body).toContain('intake_channel_up{channel="telegram"} 1');
    expect(response.body).toContain('intake_queue_jobs{queue="outbound",state="waiting"} 3');
    expect(response.body).toContain('intake_process_cpu_user_seconds_total');
  });

  it('still renders when the queue job source fails', async () => {
    const errors: unknown[] = [];
    const metrics = new Metrics({ defaultMetrics: false, onCollectError: (err) => errors.push(err) });
    metrics.setQueueJobsSource(async () => {
      throw new Error('redis down');
    });
    const text = await metrics.render();
    expect(text).toContain('intake_inbound_messages_total');
    expect(text).not.toMatch(/^intake_queue_jobs\{/m);
    expect(errors).toHaveLength(1);
  });
});

describe('unknown routes', () => {
  it('answer 404 JSON without echoing the URL', async () => {
    const { app } = server(createHealthCheck({}));
    const response = await app.inject({ method: 'GET', url: '/webhook/1012345678?token=secret' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ statusCode: 404, error: 'Not Found', message: 'Route not found' });
  });
});

describe('request logging', () => {
  it('logs method, path, status and duration at debug, without the query string', async () => {
    const { app, logs } = server(createHealthCheck({}));
    await app.inject({ method: 'GET', url: '/healthz?who=1012345678' });
    await app.inject({ method: 'GET', url: '/nowhere?who=1012345678' });
    const lines = logs()
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toEqual([
      expect.objectContaining({ msg: 'http request', method: 'GET', path: '/healthz', status: 200, durationMs: expect.any(Number) }),
      expect.objectContaining({ msg: 'http request', method: 'GET', path: '/nowhere', status: 404 }),
    ]);
    expect(logs()).not.toContain('1012345678');
  });
});

describe('route errors', () => {
  it('answer 500 without the internal message and log masked fields', async () => {
    const { app, logs } = server(createHealthCheck({}));
    app.get('/explode', async () => {
      throw new Error('cannot save beneficiary 1012345678');
    });
    const response = await app.inject({ method: 'GET', url: '/explode' });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({ statusCode: 500, error: 'Internal Server Error', message: 'Internal error' });
    expect(logs()).toContain('cannot save beneficiary *****');
    expect(logs()).not.toContain('1012345678');
  });
});

describe('startHttpServer', () => {
  it('listens on a random port and reports its URL', async () => {
    const { app } = server(createHealthCheck({ mongodb: ok }));
    const running = await startHttpServer(app, { host: '127.0.0.1', port: 0 });
    try {
      expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(running.url).not.toBe('http://127.0.0.1:0');
      const health = await fetch(`${running.url}/healthz`);
      expect(health.status).toBe(200);
      const ready = await fetch(`${running.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ ok: true, checks: { mongodb: { ok: true } } });
      const missing = await fetch(`${running.url}/missing`);
      expect(missing.status).toBe(404);
    } finally {
      await running.close();
    }
  });
});
