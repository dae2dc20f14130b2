import { createInterface } from 'node:readline';
import { readFile, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { ChannelAdapter, InboundMessage, OutboundOption } from '../../core/channel.js';

const UNSUPPORTED = { '/sticker': 'sticker', '/voice': 'voice', '/location': 'location', '/contact': 'contact', '/video': 'video' } as const;

/**
 * The local console chat: the same flows, storage and queues as the messaging apps,
 * typed in a terminal. Options print as numbered lines, as on WhatsApp.
 * `/file PATH` sends a photo or PDF from disk; `/voice`, `/sticker`, `/location`,
 * `/contact` and `/video` stand for what a phone could send instead of text.
 */
export class ConsoleChannel implements ChannelAdapter {
  readonly channel = 'console' as const;

  constructor(private readonly output: Writable) {}

  async send(_chatId: string, message: { text: string; options?: OutboundOption[] }): Promise<void> {
    const options = (message.options ?? []).map((o, i) => `   ${i + 1}. ${o.label}`);
    this.output.write(`\n${['🤖 ' + message.text, ...options].join('\n')}\n`);
  }

  async download(ref: string, maxBytes: number): Promise<Buffer> {
    const info = await stat(ref);
    if (info.size > maxBytes) throw new Error('file too large');
    return readFile(ref);
  }
}

/** Where console lines go and where they come from. */
export interface ConsoleChatOptions {
  input: Readable;
  chatId: string;
  ingest: (message: InboundMessage) => Promise<unknown>;
  /** Told of a line that could not be taken (a file that does not exist). */
  report: (text: string) => void;
}

/**
 * Reads the terminal line by line and hands each line to `ingest` as an inbound
 * message, in order. Resolves when the input closes.
 */
export async function runConsoleChat(options: ConsoleChatOptions): Promise<void> {
  const lines = createInterface({ input: options.input, crlfDelay: Infinity });
  let counter = 0;
  for await (const raw of lines) {
    const line = raw.trim();
    if (line === '') continue;
    counter += 1;
    const now = Date.now();
    const base = {
      channel: 'console' as const,
      chatId: options.chatId,
      userId: options.chatId,
      messageId: `${now}-${counter}`,
      // Milliseconds times a thousand plus a counter: ordered across restarts of the console.
      seq: now * 1000 + (counter % 1000),
      receivedAt: new Date(now).toISOString(),
    };
    const message = await toMessage(line, base, options.report);
    if (message) await options.ingest(message);
  }
}

async function toMessage(line: string, base: Omit<InboundMessage, 'text'>, report: (text: string) => void): Promise<InboundMessage | null> {
  const [command, ...rest] = line.split(/\s+/);
  if (command && command in UNSUPPORTED) return { ...base, unsupported: UNSUPPORTED[command as keyof typeof UNSUPPORTED] };
  if (command === '/file' || command === '/photo') {
    const path = resolve(rest.join(' '));
    try {
      const info = await stat(path);
      return { ...base, media: { ref: path, fileName: basename(path), size: info.size } };
    } catch {
      report(`(no such file: ${path})`);
      return null;
    }
  }
  return { ...base, text: line };
}
