import { ChannelDownloadError, FileTooLargeError, type ChannelAdapter, type OutboundOption } from '../../core/channel.js';
import { renderMessage } from './render-message.js';
import type { TelegramGateway } from './telegram-gateway.js';

export { FileTooLargeError };

/**
 * The Telegram channel: options as inline buttons, long texts split at Telegram's
 * 4,096 characters, files fetched through getFile (bots may download up to 20 MB).
 */
export class TelegramChannel implements ChannelAdapter {
  readonly channel = 'telegram' as const;

  constructor(private readonly gateway: TelegramGateway) {}

  async send(chatId: string, message: { text: string; options?: OutboundOption[] }): Promise<void> {
    for (const part of renderMessage(message)) {
      await this.gateway.sending(chatId, (t) => t.sendMessage(chatId, part.text, part.reply_markup ? { reply_markup: part.reply_markup } : {}));
    }
  }

  async download(ref: string, maxBytes: number): Promise<Buffer> {
    const file = await this.gateway.call((t) => t.getFile(ref));
    if (file.file_size !== undefined && file.file_size > maxBytes) throw new FileTooLargeError();
    const link = await this.gateway.call((t) => t.getFileLink(file));
    const response = await fetch(link, { signal: AbortSignal.timeout(60_000) });
    if (!response.ok) throw new ChannelDownloadError(response.status);
    const bytes = Buffer.from(await response.arrayBuffer());
    if (bytes.length > maxBytes) throw new FileTooLargeError();
    return bytes;
  }
}
