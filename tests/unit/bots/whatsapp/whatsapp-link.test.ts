import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { WhatsAppLink, type LinkStatus, type LivenessOptions } from '../../../../src/bots/whatsapp/whatsapp-link.js';

/** A client with the lifecycle surface of whatsapp-web.js's Client, scripted per start. */
class ScriptedClient extends EventEmitter {
  destroyed = false;
  constructor(private readonly start: (client: ScriptedClient) => Promise<void>) {
    super();
  }
  initialize(): Promise<void> {
    return this.start(this);
  }
  async destroy(): Promise<void> {
    this.destroyed = true;
  }
  state: string | null = 'CONNECTED';
  async getState(): Promise<string | null> {
    return this.state;
  }
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function link(starts: ((client: ScriptedClient) => Promise<void>)[], liveness?: Partial<LivenessOptions>) {
  const clients: ScriptedClient[] = [];
  const statuses: LinkStatus[] = [];
  const qrs: string[] = [];
  const reasons: string[] = [];
  const manager = new WhatsAppLink<ScriptedClient>({
    createClient: () => {
      const client = new ScriptedClient(starts[Math.min(clients.length, starts.length - 1)]!);
      clients.push(client);
      return client;
    },
    onClient: () => undefined,
    onQr: (qr) => {
      qrs.push(qr);
    },
    onStatus: (status) => statuses.push(status),
    onRebuild: (reason) => reasons.push(reason),
    logger: pino({ level: 'silent' }),
    backoff: liveness ? { initialMs: 10, maxMs: 20 } : { initialMs: 20, maxMs: 80 },
    ...(liveness ? { liveness } : {}),
  });
  return { manager, clients, statuses, qrs, reasons };
}

describe('WhatsAppLink', () => {
  it('starts again with growing waits when the client cannot start, until it links', async () => {
    const offline = async () => {
      throw new Error('net::ERR_NAME_NOT_RESOLVED at https://web.whatsapp.com/');
    };
    const { manager, clients, statuses } = link([offline, offline, async (c) => void c.emit('ready')]);
    manager.start();
    await wait(250);
    expect(clients).toHaveLength(3);
    expect(clients.slice(0, 2).every((c) => c.destroyed)).toBe(true);
    expect(manager.status).toBe('linked');
    expect(statuses).toEqual(['disconnected', 'reconnecting', 'disconnected', 'reconnecting', 'linked']);
    await manager.stop();
    expect(clients[2]!.destroyed).toBe(true);
  });

  it('shows the QR code, links, and builds a new client after a disconnect or a fatal state', async () => {
    const { manager, clients, statuses, qrs } = link([
      async (c) => {
        c.emit('qr', 'qr-1');
        c.emit('ready');
      },
    ]);
    manager.start();
    await wait(10);
    expect(qrs).toEqual(['qr-1']);
    expect(manager.status).toBe('linked');
    clients[0]!.emit('disconnected', 'NAVIGATION');
    expect(manager.status).toBe('disconnected');
    await wait(60);
    expect(clients).toHaveLength(2);
    expect(manager.status).toBe('linked');
    clients[1]!.emit('change_state', 'UNPAIRED');
    expect(manager.status).toBe('logged_out');
    await wait(60);
    expect(clients).toHaveLength(3);
    expect(statuses).toContain('waiting_for_qr');
    await manager.stop();
  });

  it('ignores events of a client it already replaced, and stops restarting once stopped', async () => {
    const { manager, clients } = link([async (c) => void c.emit('ready')]);
    manager.start();
    await wait(10);
    clients[0]!.emit('disconnected', 'NAVIGATION');
    clients[0]!.emit('disconnected', 'NAVIGATION');
    await manager.stop();
    await wait(60);
    expect(clients).toHaveLength(1);
  });
});

describe('WhatsAppLink liveness', () => {
  const watched = (
    starts: ((client: ScriptedClient) => Promise<void>)[],
    liveness: Partial<LivenessOptions> = { startTimeoutMs: 60, readyTimeoutMs: 60, checkIntervalMs: 20, checkTimeoutMs: 30 },
  ) => link(starts, liveness);
  const never = () => new Promise<void>(() => undefined);

  it('replaces a client that shows neither a QR code nor ready in time (a page that never loads), and stop does not wait for it', async () => {
    const { manager, clients, reasons } = watched([never, never, async (c) => void c.emit('ready')]);
    manager.start();
    await wait(250);
    expect(reasons.slice(0, 2)).toEqual(['start_timeout', 'start_timeout']);
    expect(clients[0]!.destroyed).toBe(true);
    expect(manager.status).toBe('linked');
    const { manager: hung } = watched([never]);
    hung.start();
    const started = Date.now();
    await hung.stop();
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('waits for a person once a QR code shows; after authenticated, ready must come in time', async () => {
    const { manager, clients, reasons } = watched([
      async (c) => {
        c.emit('qr', 'code');
        await never();
      },
    ]);
    manager.start();
    await wait(150);
    expect(clients).toHaveLength(1);
    expect(manager.status).toBe('waiting_for_qr');
    clients[0]!.emit('authenticated');
    await wait(120);
    expect(reasons).toEqual(['ready_timeout']);
    expect(clients.length).toBeGreaterThanOrEqual(2);
    await manager.stop();
  });

  it('while linked, asks the page for its state: no answer in time or a dead state replaces the client', async () => {
    const { manager, clients, reasons } = watched([async (c) => void c.emit('ready')]);
    manager.start();
    await wait(60);
    expect(clients).toHaveLength(1);
    clients[0]!.getState = never as unknown as () => Promise<string | null>;
    await wait(100);
    expect(reasons).toContain('state_check');
    expect(clients.length).toBeGreaterThanOrEqual(2);
    const second = clients.at(-1)!;
    second.state = 'UNPAIRED';
    await wait(80);
    expect(manager.status === 'logged_out' || clients.length >= 3).toBe(true);
    await manager.stop();
  });

  it('Chromium gone or a background fault replaces the client; a logout leaves it to show a new QR code', async () => {
    const { manager, clients, reasons } = watched([async (c) => void c.emit('ready')], {
      startTimeoutMs: 60,
      readyTimeoutMs: 60,
      checkIntervalMs: 10_000,
      checkTimeoutMs: 30,
    });
    manager.start();
    await wait(20);
    clients[0]!.emit('browser_gone', 'browser disconnected');
    expect(manager.status).toBe('disconnected');
    await wait(40);
    clients[1]!.emit('client_fault', 'inject', new Error('Protocol error: Target closed'));
    expect(reasons).toEqual(['browser_gone', 'fault']);
    await wait(40);
    const third = clients[2]!;
    third.emit('disconnected', 'LOGOUT');
    expect(manager.status).toBe('logged_out');
    expect(third.destroyed).toBe(false);
    third.emit('qr', 'new-code');
    await wait(100);
    expect(third.destroyed).toBe(false);
    expect(manager.status).toBe('waiting_for_qr');
    await manager.stop();
  });

  it('a logout with no QR code after it in time replaces the client', async () => {
    const { manager, clients, reasons } = watched([async (c) => void c.emit('ready')], {
      startTimeoutMs: 50,
      readyTimeoutMs: 50,
      checkIntervalMs: 10_000,
      checkTimeoutMs: 30,
    });
    manager.start();
    await wait(20);
    clients[0]!.emit('disconnected', 'LOGOUT');
    await wait(100);
    expect(reasons).toEqual(['start_timeout']);
    expect(clients[0]!.destroyed).toBe(true);
    await manager.stop();
  });
});
