import type { mongo } from 'mongoose';

type MongoClient = mongo.MongoClient;

/** How a watched client is looked after. */
export interface MonitorWatchdogOptions {
  /** A heartbeat neither succeeded nor failed after this long is hung (keep it above connectTimeoutMS). */
  stuckAfterMs: number;
  /** How often to look (default 1 s). */
  everyMs?: number;
  /** Told each time the client is restarted (for a log line). */
  onRestart?: (stuckForMs: number) => void;
}

/**
 * Restarts a MongoDB client whose server monitor has hung.
 *
 * The MongoDB driver (7.8 and 7.9 alike) can wait forever for a heartbeat: when the server
 * closes a connection, a check written in the moment between the socket's destruction and
 * its `close` event goes to a destroyed socket, `write` returns false, no `drain` ever comes,
 * and nothing rejects the wait. The monitor then never looks at the server again and every
 * operation fails server selection until the process restarts. Fault case 3 (FerretDB
 * stopped and started under load) met it in about one restart in three.
 *
 * A heartbeat that has neither succeeded nor failed well after the driver's own timeout is
 * that hang; closing and connecting the client again starts a fresh monitor (the mongoose
 * connection and its models keep working on the same client). Only public driver events
 * and methods are used. Returns a function that stops watching.
 */
export function watchMonitor(client: MongoClient, options: MonitorWatchdogOptions): () => void {
  let pendingSince: number | null = null;
  let restarting = false;
  let stopped = false;
  const started = () => {
    pendingSince ??= Date.now();
  };
  const finished = () => {
    pendingSince = null;
  };
  const closed = () => {
    // Closed by its owner (not by us): nothing left to watch.
    if (!restarting) stop();
  };
  client.on('serverHeartbeatStarted', started);
  client.on('serverHeartbeatSucceeded', finished);
  client.on('serverHeartbeatFailed', finished);
  client.on('topologyClosed', closed);

  const timer = setInterval(() => {
    if (stopped || restarting || pendingSince === null) return;
    const stuckFor = Date.now() - pendingSince;
    if (stuckFor < options.stuckAfterMs) return;
    restarting = true;
    pendingSince = null;
    options.onRestart?.(stuckFor);
    void (async () => {
      try {
        await client.close();
        if (!stopped) await client.connect();
      } catch {
        // The server may still be away: the fresh monitor keeps trying on its own.
      } finally {
        restarting = false;
      }
    })();
  }, options.everyMs ?? 1_000);
  timer.unref();

  function stop(): void {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    client.off('serverHeartbeatStarted', started);
    client.off('serverHeartbeatSucceeded', finished);
    client.off('serverHeartbeatFailed', finished);
    client.off('topologyClosed', closed);
  }
  return stop;
}
