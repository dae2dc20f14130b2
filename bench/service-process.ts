/**
 * The intake service in a process of the benchmark's: startApp with the roles asked for
 * (BENCH_ROLES), configured from the environment like `npm start`, with MongoDB command
 * monitoring switched on and the staff the simulated researchers play (BENCH_STAFF).
 */
import { loadConfig } from '../src/config/config.js';
import { createLogger } from '../src/logger.js';
import { startApp, type Role } from '../src/app.js';
import type { StaffRole } from '../src/models/staff.js';
import { serveBench } from './child.js';
import { watchMongo } from './mongo-monitor.js';

const config = loadConfig(process.env);
const roles = new Set((process.env.BENCH_ROLES ?? 'bot,worker').split(',') as Role[]);
const logger = createLogger({ level: config.LOG_LEVEL, pretty: false, destination: process.stderr });
const app = await startApp({
  config,
  roles,
  channels: new Map(),
  logger,
  ...(process.env.BENCH_DB ? { dbName: process.env.BENCH_DB } : {}),
  ...(process.env.BENCH_WORKER_CONCURRENCY ? { workerConcurrency: Number(process.env.BENCH_WORKER_CONCURRENCY) } : {}),
});
const mongo = watchMongo(app.connection.getClient());
const staff = JSON.parse(process.env.BENCH_STAFF ?? '[]') as { name: string; telegramUserId: number; roles: StaffRole[] }[];
for (const member of staff) await app.repositories.staff.add(member);
serveBench({ mongo: () => mongo, stop: () => app.stop() });
process.send?.({ ready: true });
