/**
 * The watchdog that restarts a MongoDB client whose server monitor hung (see
 * src/models/monitor-watchdog.ts; found by fault case 3, FerretDB restarted under load).
 * The hang itself is a race in the driver that no test can call up on demand, so a heartbeat
 * that never ends is played by emitting its start event; the restart is real.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Connection } from 'mongoose';
import { watchMonitor } from '../../src/models/monitor-watchdog.js';
import { freshDatabase } from '../helpers/db.js';

let db: { connection: Connection; drop: () => Promise<void> } | null = null;
afterEach(async () => {
  await db?.drop();
  db = null;
});

describe('watchMonitor', () => {
  it('restarts the client when a heartbeat hangs, and the connection works on', async () => {
    db = await freshDatabase();
    const client = db.connection.getClient();
    const restarts: number[] = [];
    const stop = watchMonitor(client, { stuckAfterMs: 200, everyMs: 50, onRestart: (ms) => restarts.push(ms) });
    await db.connection.collection('probe').insertOne({ _id: 'before' as never });

    client.emit('serverHeartbeatStarted', {} as never);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(restarts).toHaveLength(1);
    expect(restarts[0]).toBeGreaterThanOrEqual(200);

    await db.connection.collection('probe').insertOne({ _id: 'after' as never });
    expect(await db.connection.collection('probe').countDocuments()).toBe(2);
    stop();
  });

  it('leaves a client alone while its heartbeats finish', async () => {
    db = await freshDatabase();
    const client = db.connection.getClient();
    let restarts = 0;
    const stop = watchMonitor(client, { stuckAfterMs: 200, everyMs: 50, onRestart: () => (restarts += 1) });
    for (let i = 0; i < 5; i++) {
      client.emit('serverHeartbeatStarted', {} as never);
      await new Promise((resolve) => setTimeout(resolve, 100));
      client.emit('serverHeartbeatSucceeded', {} as never);
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(restarts).toBe(0);
    stop();
  });
});
