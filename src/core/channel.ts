import { z } from 'zod';

/**
 * The channel contract, on the ground floor: what a person sent, in the same shape whatever
 * the channel, what is sent back, and what a channel adapter must do. The engine, the
 * services, the storage and the workers speak these types; only `src/bots` knows a platform.
 */

/** One option shown with a message: Telegram draws it as a button, WhatsApp and the console as a numbered line. */
export interface OutboundOption {
  id: string;
  label: string;
}

/** A message to send to the person, already rendered in their language. */
export interface OutboundMessage {
  text: string;
  options?: OutboundOption[];
}

/** The channels the service speaks on. */
export const ChannelSchema = z.enum(['console', 'telegram', 'whatsapp']);
export type Channel = z.infer<typeof ChannelSchema>;

/**
 * One message from a person, in the same shape whatever the channel: the adapter's
 * whole job on the way in is to produce this.
 */
export const InboundMessageSchema = z.object({
  channel: ChannelSchema,
  /** The platform's chat id (a Telegram chat id, a WhatsApp `…@c.us`). Personal: stored encrypted. */
  chatId: z.string().min(1).max(200),
  userId: z.string().max(200),
  /** The platform's id for this message or update; with the chat, unique. */
  messageId: z.string().min(1).max(300),
  /** Orders the chat's messages (Telegram's update_id, WhatsApp's timestamp). */
  seq: z.number().int().nonnegative(),
  receivedAt: z.iso.datetime(),
  /**
   * What the person typed. Cut to 4,096 characters (Telegram's own limit) so an
   * enormous paste is stored and answered ("too long") instead of refused here.
   */
  text: z
    .string()
    .transform((t) => t.slice(0, 4096))
    .optional(),
  /** The message this one replies to, by the platform's id for it (Telegram's `message_id`): how a staff member answers the bot's question. */
  replyTo: z.string().max(40).optional(),
  /** A pressed button's payload. */
  choice: z.string().max(64).optional(),
  /** A photo or file; `ref` is what the adapter needs to download it. */
  media: z.object({ ref: z.string(), mime: z.string().optional(), fileName: z.string().optional(), size: z.number().optional() }).optional(),
  /** A kind of message the flows cannot read. */
  unsupported: z.enum(['sticker', 'voice', 'location', 'contact', 'video', 'other']).optional(),
  /** Not from the person: a message the association sends them (a decision), queued in order with theirs. */
  notice: z.object({ key: z.string(), params: z.record(z.string(), z.union([z.string(), z.number()])) }).optional(),
});
export type InboundMessage = z.infer<typeof InboundMessageSchema>;

/**
 * The notice an edit of a message already received gets, on every channel: the edit changes
 * nothing (what was first sent may already be a stored answer, and changing it behind the
 * person's back would change what they sign).
 */
export const EDIT_NOTICE_KEY = 'edited.notApplied';

/** What a channel adapter must do: send a message to a chat, and fetch a file a person sent. */
export interface ChannelAdapter {
  readonly channel: Channel;
  /** Sends one message; throws on failure (a `ChannelSendError` carries `retryAfterMs` when the platform asks to wait). */
  send(chatId: string, message: OutboundMessage): Promise<void>;
  /** Downloads the bytes of a file a person sent, refusing more than `maxBytes`. */
  download(ref: string, maxBytes: number): Promise<Buffer>;
}

/** A send that failed; `retryAfterMs` when the platform said how long to wait, `permanent` when retrying is pointless. */
export class ChannelSendError extends Error {
  readonly code = 'CHANNEL_SEND';
  constructor(
    message: string,
    readonly retryAfterMs?: number,
    readonly permanent = false,
  ) {
    super(message);
    this.name = 'ChannelSendError';
  }
}

/**
 * Thrown by {@link ChannelAdapter.download} when the platform's file server answered with an
 * HTTP error. A 4xx other than 429 is meant for good (the file is gone or not ours); a 429 or
 * a 5xx may pass if tried again.
 */
export class ChannelDownloadError extends Error {
  readonly code = 'CHANNEL_DOWNLOAD';
  constructor(readonly status: number) {
    super(`file download answered ${status}`);
    this.name = 'ChannelDownloadError';
  }

  get permanent(): boolean {
    return this.status >= 400 && this.status < 500 && this.status !== 429;
  }
}

/** Thrown by {@link ChannelAdapter.download} when a file turns out larger than allowed (its size was not announced, or was wrong). */
export class FileTooLargeError extends Error {
  readonly code = 'FILE_TOO_LARGE';
  constructor() {
    super('file too large');
    this.name = 'FileTooLargeError';
  }
}
