import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { WhatsAppLink, type LinkStatus } from '../../../../src/bots/whatsapp/whatsapp-link.js';

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
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function link(starts: ((client: ScriptedClient) => Promise<void>)[]) {
  const clients: ScriptedClient[] = [];
  const statuses: LinkStatus[] = [];
  const qrs: string[] = [];
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
    logger: pino({ level: 'silent' }),
    backoff: { initialMs: 20, maxMs: 80 },
  });
  return { manager, clients, statuses, qrs };
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
