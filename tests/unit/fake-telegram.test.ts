import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Markup, Telegraf, Telegram, TelegramError } from 'telegraf';
import type { ForceReply, InlineKeyboardMarkup, Message, Update } from 'telegraf/types';
import { FakeTelegram, parseMultipart, type UploadedFile } from '../helpers/fake-telegram.js';

const CHAT = 5551001;
const USER = 5551001;

let fake: FakeTelegram;
let telegram: Telegram;

beforeEach(async () => {
  fake = await FakeTelegram.start();
  telegram = new Telegram(fake.token, { apiRoot: fake.apiRoot });
});

afterEach(async () => {
  await fake.stop();
});

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}

describe('FakeTelegram with telegraf’s client', () => {
  it('answers getMe, refuses a wrong token with 401 and unknown methods with 404', async () => {
    const me = await telegram.getMe();
    expect(me).toMatchObject({ id: 123456789, is_bot: true, username: 'intake_test_bot' });
    expect(fake.calls.map((c) => c.method)).toEqual(['getMe']);

    const wrong = new Telegram('123456789:wrong', { apiRoot: fake.apiRoot });
    const unauthorized = await rejection(wrong.getMe());
    expect(unauthorized).toBeInstanceOf(TelegramError);
    expect((unauthorized as TelegramError).code).toBe(401);
    expect((unauthorized as TelegramError).description).toBe('Unauthorized');

    const unknown = await rejection(telegram.callApi('noSuchMethod' as 'getMe', {}));
    expect((unknown as TelegramError).response).toEqual({ ok: false, error_code: 404, description: 'Not Found: method not found' });
  });

  it('records sendMessage with an inline keyboard and returns a real Message', async () => {
    fake.pushUpdate(fake.textMessage({ chatId: CHAT, userId: USER, text: 'hello', firstName: 'Noura' }));
    const keyboard = Markup.inlineKeyboard([[Markup.button.callback('Yes', 'answer:yes'), Markup.button.callback('No', 'answer:no')]]);
    const first = await telegram.sendMessage(CHAT, 'Do you agree?', keyboard);
    const second = await telegram.sendMessage(CHAT, 'Second');

    expect(first.chat).toEqual({ id: CHAT, type: 'private', first_name: 'Noura' });
    expect(first.text).toBe('Do you agree?');
    expect(first.reply_markup).toEqual(keyboard.reply_markup);
    expect(first.from?.is_bot).toBe(true);
    expect(second.message_id).toBeGreaterThan(first.message_id);
    expect(first.message_id).toBeGreaterThan(1); // the user's message took an id first

    const sent = fake.sent(CHAT);
    expect(sent).toHaveLength(2);
    expect(sent[0]?.params).toMatchObject({ chat_id: CHAT, text: 'Do you agree?', reply_markup: keyboard.reply_markup });
    expect(fake.sentTexts(CHAT)).toEqual(['Do you agree?', 'Second']);
    expect(fake.sent(999)).toEqual([]);

    // Telegram's checks that catch real bugs
    const tooLong = await rejection(telegram.sendMessage(CHAT, 'x', Markup.inlineKeyboard([Markup.button.callback('A', 'x'.repeat(65))])));
    expect((tooLong as TelegramError).description).toBe('Bad Request: BUTTON_DATA_INVALID');
    const empty = await rejection(telegram.sendMessage(CHAT, ''));
    expect((empty as TelegramError).description).toBe('Bad Request: message text is empty');
  });

  it('edits messages and answers callback queries built by the helpers', async () => {
    const keyboard = Markup.inlineKeyboard([Markup.button.callback('Pick', 'pick')]);
    const msg = await telegram.sendMessage(CHAT, 'Choose', keyboard);
    const update = fake.callbackQuery({ chatId: CHAT, userId: USER, messageId: msg.message_id, data: 'pick' });
    expect(update.callback_query.message).toMatchObject({ message_id: msg.message_id, text: 'Choose', reply_markup: keyboard.reply_markup });

    await expect(telegram.answerCbQuery(update.callback_query.id, 'ok')).resolves.toBe(true);
    await expect(rejection(telegram.answerCbQuery('nonsense'))).resolves.toMatchObject({ code: 400 });

    const edited = await telegram.editMessageText(CHAT, msg.message_id, undefined, 'Chosen');
    expect(edited).toMatchObject({ message_id: msg.message_id, text: 'Chosen' });
    expect(edited).not.toHaveProperty('reply_markup'); // an edit without markup drops the keyboard
    const same = await rejection(telegram.editMessageText(CHAT, msg.message_id, undefined, 'Chosen'));
    expect((same as TelegramError).description).toMatch(/^Bad Request: message is not modified/);
    const missing = await rejection(telegram.editMessageReplyMarkup(CHAT, 99999, undefined, keyboard.reply_markup));
    expect((missing as TelegramError).description).toBe('Bad Request: message to edit not found');
  });

  it('builds realistic updates: commands carry a bot_command entity, photos come in three sizes', () => {
    const start = fake.textMessage({ chatId: CHAT, userId: USER, text: '/start ref42' });
    expect(start.message.entities).toEqual([{ type: 'bot_command', offset: 0, length: 6 }]);
    const photo = fake.photoMessage({ chatId: CHAT, userId: USER, fileId: 'ph-1' });
    expect(photo.message.photo.map((p) => p.width)).toEqual([90, 320, 1280]);
    expect(photo.message.photo[2]?.file_id).toBe('ph-1');
    const group = fake.textMessage({ chatId: -100200, userId: USER, text: 'hi all', chatType: 'group' });
    expect(group.message.chat).toMatchObject({ id: -100200, type: 'group' });
    const blocked = fake.myChatMember({ chatId: CHAT, newStatus: 'kicked' });
    expect(blocked.my_chat_member.new_chat_member.status).toBe('kicked');
    expect(blocked.my_chat_member.old_chat_member.status).toBe('member');
    expect(fake.documentMessage({ chatId: CHAT, userId: USER, fileId: 'd', mimeType: 'application/pdf', fileName: 'id.pdf' }).message.document.file_name).toBe(
      'id.pdf',
    );
  });

  it('builds replies: reply_to_message is the original without its own reply, and is left out once the original is gone', async () => {
    const question = await telegram.sendMessage(CHAT, 'What is your name?');
    const answer = fake.textMessage({ chatId: CHAT, userId: USER, text: 'Noura', replyTo: question.message_id });
    expect(answer.message.reply_to_message).toEqual(question); // the bot's message as sendMessage returned it

    // a reply to a reply: the copy in reply_to_message carries no further reply_to_message ...
    const photo = fake.photoMessage({ chatId: CHAT, userId: USER, fileId: 'ph-2', caption: 'my ID', replyTo: answer.message.message_id });
    expect(photo.message.reply_to_message).toMatchObject({ message_id: answer.message.message_id, text: 'Noura', from: { id: USER } });
    expect(photo.message.reply_to_message).not.toHaveProperty('reply_to_message');
    // ... while the fake's own copy of the reply keeps it (a callback query carries the stored message)
    const stored = fake.callbackQuery({ chatId: CHAT, userId: USER, messageId: answer.message.message_id, data: 'x' }).callback_query.message;
    expect(stored).toMatchObject({ message_id: answer.message.message_id, reply_to_message: { message_id: question.message_id } });

    // the field survives the trip through getUpdates
    fake.pushUpdate(
      fake.documentMessage({ chatId: CHAT, userId: USER, fileId: 'd-1', mimeType: 'application/pdf', fileName: 'id.pdf', replyTo: question.message_id }),
    );
    const [update] = await telegram.getUpdates(0, 100, 0, undefined);
    const document = (update as Update.MessageUpdate<Message.DocumentMessage>).message;
    expect(document.document.file_name).toBe('id.pdf');
    expect(document.reply_to_message).toMatchObject({ message_id: question.message_id, text: 'What is your name?', from: { is_bot: true } });

    // a deleted original, one that never existed, or one in another chat: no reply_to_message at all
    await telegram.deleteMessage(CHAT, question.message_id);
    expect(fake.textMessage({ chatId: CHAT, userId: USER, text: 'still there?', replyTo: question.message_id }).message).not.toHaveProperty('reply_to_message');
    expect(fake.textMessage({ chatId: CHAT, userId: USER, text: 'x', replyTo: 9999 }).message).not.toHaveProperty('reply_to_message');
    expect(fake.textMessage({ chatId: CHAT + 1, userId: USER + 1, text: 'x', replyTo: answer.message.message_id }).message).not.toHaveProperty(
      'reply_to_message',
    );
  });

  it('accepts a ForceReply without echoing it, lists it in forcedReplies, and refuses fields of the wrong type and long placeholders', async () => {
    const asked = await telegram.sendMessage(CHAT, 'What is your name?', Markup.forceReply().placeholder('Full name'));
    expect(asked.text).toBe('What is your name?');
    expect(asked).not.toHaveProperty('reply_markup'); // only inline keyboards are echoed
    expect(fake.sent(CHAT)[0]?.params.reply_markup).toEqual({ force_reply: true, input_field_placeholder: 'Full name' });
    await telegram.sendMessage(CHAT, 'Pick one', Markup.inlineKeyboard([Markup.button.callback('A', 'a')]));
    // multipart (the markup arrives as a JSON string) and JSON bodies
    const photo = await telegram.sendPhoto(
      CHAT,
      { source: Buffer.from('jpeg'), filename: 'p.jpg' },
      { caption: 'Send a clearer one', ...Markup.forceReply().selective() },
    );
    expect(photo).not.toHaveProperty('reply_markup');
    fake.addFile('doc-1', 'pdf bytes');
    const doc = await telegram.sendDocument(CHAT + 1, 'doc-1', { caption: 'Sign and send back', reply_markup: { force_reply: true } });

    expect(fake.forcedReplies()).toEqual([
      { chatId: CHAT, messageId: asked.message_id, text: 'What is your name?' },
      { chatId: CHAT, messageId: photo.message_id, text: 'Send a clearer one' },
      { chatId: CHAT + 1, messageId: doc.message_id, text: 'Sign and send back' },
    ]);
    expect(fake.forcedReplies(String(CHAT)).map((f) => f.messageId)).toEqual([asked.message_id, photo.message_id]);
    expect(fake.forcedReplies(CHAT + 1)).toHaveLength(1);

    // force_reply false asks for nothing, as on Telegram: the message goes out plain
    const plain = await telegram.sendMessage(CHAT, 'No need to answer', { reply_markup: { force_reply: false } as unknown as ForceReply });
    expect(plain).not.toHaveProperty('reply_markup');
    await expect(telegram.sendMessage(CHAT, 'x', Markup.forceReply().placeholder('x'.repeat(64)))).resolves.toMatchObject({ text: 'x' });
    expect(fake.forcedReplies()).toHaveLength(4);

    const tooLong = await rejection(telegram.sendMessage(CHAT, 'x', Markup.forceReply().placeholder('x'.repeat(65))));
    expect(tooLong).toMatchObject({ code: 400, description: 'Bad Request: REPLY_MARKUP_INVALID' });
    const notBoolean = await rejection(telegram.sendMessage(CHAT, 'x', { reply_markup: { force_reply: 'yes' } as unknown as ForceReply }));
    expect(notBoolean).toMatchObject({ code: 400, description: 'Bad Request: field "force_reply" must be of type Boolean' });
    const selective = await rejection(telegram.sendMessage(CHAT, 'x', { reply_markup: { force_reply: true, selective: 1 } as unknown as ForceReply }));
    expect(selective).toMatchObject({ code: 400, description: 'Bad Request: field "selective" must be of type Boolean' });
    const placeholder = await rejection(
      telegram.sendMessage(CHAT, 'x', { reply_markup: { force_reply: true, input_field_placeholder: ['a'] } as unknown as ForceReply }),
    );
    expect(placeholder).toMatchObject({ code: 400, description: 'Bad Request: field "input_field_placeholder" must be of type String' });
    // edits take inline keyboards only
    const edit = await rejection(telegram.editMessageReplyMarkup(CHAT, asked.message_id, undefined, { force_reply: true } as unknown as InlineKeyboardMarkup));
    expect(edit).toMatchObject({ code: 400, description: 'Bad Request: inline keyboard expected' });
    expect(fake.forcedReplies()).toHaveLength(4);
  });

  it('a user who blocked the bot: every send to their private chat fails with 403 until unblock, and no update is pushed', async () => {
    const keyboard = Markup.inlineKeyboard([Markup.button.callback('OK', 'ok')]);
    const before = await telegram.sendMessage(CHAT, 'Hello', keyboard);
    fake.addFile('doc-1', 'pdf bytes');
    fake.block(USER);
    expect(fake.pendingUpdateCount).toBe(0);

    const attempts = [
      () => telegram.sendMessage(CHAT, 'Are you there?'),
      () => telegram.sendPhoto(CHAT, { source: Buffer.from('jpeg'), filename: 'p.jpg' }),
      () => telegram.sendDocument(CHAT, 'doc-1'),
      () => telegram.sendChatAction(CHAT, 'typing'),
      () => telegram.editMessageText(CHAT, before.message_id, undefined, 'Hello again'),
      () => telegram.editMessageReplyMarkup(CHAT, before.message_id, undefined, undefined),
    ];
    for (const attempt of attempts) {
      const err = await rejection(attempt());
      expect(err).toBeInstanceOf(TelegramError);
      expect((err as TelegramError).response).toEqual({ ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' });
    }
    const refused = fake.calls.slice(1);
    expect(refused.map((c) => c.method)).toEqual(['sendMessage', 'sendPhoto', 'sendDocument', 'sendChatAction', 'editMessageText', 'editMessageReplyMarkup']);
    expect(refused.map((c) => [c.status, c.error])).toEqual(refused.map(() => [403, 'Forbidden: bot was blocked by the user']));
    expect(fake.sentTexts(CHAT)).toEqual(['Hello']);
    // the message was not edited
    expect(fake.callbackQuery({ chatId: CHAT, userId: USER, messageId: before.message_id, data: 'ok' }).callback_query.message).toMatchObject({
      text: 'Hello',
      reply_markup: keyboard.reply_markup,
    });

    // the Bot API server's own checks still come first; other chats, groups included, are unaffected
    expect(await rejection(telegram.sendMessage(CHAT, ''))).toMatchObject({ code: 400, description: 'Bad Request: message text is empty' });
    await expect(telegram.sendMessage(CHAT + 1, 'other user')).resolves.toMatchObject({ text: 'other user' });
    await expect(telegram.sendMessage(-100300, 'group')).resolves.toMatchObject({ text: 'group' });
    expect(fake.pendingUpdateCount).toBe(0);

    fake.unblock(USER);
    await expect(telegram.sendMessage(CHAT, 'Welcome back')).resolves.toMatchObject({ text: 'Welcome back' });
    await expect(telegram.editMessageText(CHAT, before.message_id, undefined, 'Hello again')).resolves.toMatchObject({ text: 'Hello again' });
  });

  it('getUpdates honours offset and limit, drops confirmed updates and long-polls', async () => {
    const a = fake.pushUpdate(fake.textMessage({ chatId: CHAT, userId: USER, text: 'one' }));
    const b = fake.pushUpdate(fake.textMessage({ chatId: CHAT, userId: USER, text: 'two' }));
    expect(b).toBe(a + 1);

    const limited = await telegram.getUpdates(0, 1, 0, undefined);
    expect(limited.map((u) => u.update_id)).toEqual([a]);
    const both = await telegram.getUpdates(0, 100, 0, undefined);
    expect(both.map((u) => u.update_id)).toEqual([a, b]);

    // offset = a + 1 confirms `a`: it is gone for good
    const rest = await telegram.getUpdates(0, 100, a + 1, undefined);
    expect(rest.map((u) => u.update_id)).toEqual([b]);
    expect((await telegram.getUpdates(0, 100, 0, undefined)).map((u) => u.update_id)).toEqual([b]);
    expect(await telegram.getUpdates(0, 100, b + 1, undefined)).toEqual([]);
    expect(fake.pendingUpdateCount).toBe(0);

    // a long poll returns as soon as an update arrives mid-wait
    const started = Date.now();
    const poll = telegram.getUpdates(5, 100, b + 1, undefined);
    setTimeout(() => fake.pushUpdate(fake.textMessage({ chatId: CHAT, userId: USER, text: 'three' })), 150);
    const got = await poll;
    expect(got).toHaveLength(1);
    expect((got[0] as Update.MessageUpdate).message).toMatchObject({ text: 'three' });
    expect(Date.now() - started).toBeLessThan(2000);

    // and with nothing to deliver, it waits for the timeout and returns []
    const idleStart = Date.now();
    expect(await telegram.getUpdates(1, 100, (got[0]?.update_id ?? 0) + 1, undefined)).toEqual([]);
    expect(Date.now() - idleStart).toBeGreaterThanOrEqual(900);
  });

  it('answers an older waiting getUpdates with 409 when a second one arrives', async () => {
    const first = rejection(telegram.getUpdates(5, 100, 0, undefined));
    await fake.waitFor((c) => c.method === 'getUpdates');
    await telegram.getUpdates(0, 100, 0, undefined);
    const err = (await first) as TelegramError;
    expect(err.code).toBe(409);
    expect(err.description).toMatch(/terminated by other getUpdates request/);
  });

  it('surfaces an injected 429 as a TelegramError with retry_after', async () => {
    fake.failNext('sendMessage', { kind: '429', retryAfter: 7 });
    const err = await rejection(telegram.sendMessage(CHAT, 'hi'));
    expect(err).toBeInstanceOf(TelegramError);
    const tg = err as TelegramError;
    expect(tg.code).toBe(429);
    expect(tg.response).toEqual({ ok: false, error_code: 429, description: 'Too Many Requests: retry after 7', parameters: { retry_after: 7 } });
    expect(tg.response.parameters?.retry_after).toBe(7);
    expect(fake.tooManyRequests).toBe(1);
    expect(fake.sent(CHAT)).toEqual([]);
    await expect(telegram.sendMessage(CHAT, 'hi')).resolves.toMatchObject({ text: 'hi' });
  });

  it('surfaces 500, 403, a dropped socket and a slow answer', async () => {
    fake.failNext('sendMessage', { kind: '500' });
    fake.failNext('sendMessage', { kind: '403' });
    fake.failNext('sendMessage', { kind: 'drop' });
    fake.failNext('sendMessage', { kind: 'slow', delayMs: 300 });

    const e500 = (await rejection(telegram.sendMessage(CHAT, 'a'))) as TelegramError;
    expect(e500).toBeInstanceOf(TelegramError);
    expect(e500.code).toBe(500);
    expect(e500.description).toBe('Internal Server Error'); // telegraf uses the status text for 5xx

    const e403 = (await rejection(telegram.sendMessage(CHAT, 'b'))) as TelegramError;
    expect(e403.code).toBe(403);
    expect(e403.description).toBe("Forbidden: bot can't initiate conversation with a user");

    const dropped = (await rejection(telegram.sendMessage(CHAT, 'c'))) as Error;
    expect(dropped).not.toBeInstanceOf(TelegramError);
    expect(dropped.name).toBe('FetchError');

    const started = Date.now();
    await expect(telegram.sendMessage(CHAT, 'd')).resolves.toMatchObject({ text: 'd' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(fake.sentTexts(CHAT)).toEqual(['d']);
    expect(fake.calls.map((c) => c.status)).toEqual([500, 403, 0, 200]);
  });

  it('a drop after processing delivers the message but loses the answer', async () => {
    fake.failNext('sendMessage', { kind: 'drop', processed: true });
    await rejection(telegram.sendMessage(CHAT, 'maybe'));
    expect(fake.sentTexts(CHAT)).toEqual(['maybe']);
  });

  it('serves registered files through getFile and getFileLink', async () => {
    const bytes = Buffer.from('%PDF-1.4 fake document bytes');
    fake.addFile('doc-file-1', bytes, { path: 'documents/file_7.pdf' });
    const file = await telegram.getFile('doc-file-1');
    expect(file).toEqual({ file_id: 'doc-file-1', file_unique_id: expect.any(String), file_size: bytes.length, file_path: 'documents/file_7.pdf' });

    const link = await telegram.getFileLink('doc-file-1');
    expect(link.href).toBe(`${fake.apiRoot}/file/bot${fake.token}/documents/file_7.pdf`);
    const res = await fetch(link);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(bytes);

    const unknown = (await rejection(telegram.getFile('nope'))) as TelegramError;
    expect(unknown.description).toBe('Bad Request: invalid file_id');
    fake.addFile('huge', Buffer.alloc(1), { size: 21 * 1024 * 1024 });
    expect(((await rejection(telegram.getFile('huge'))) as TelegramError).description).toBe('Bad Request: file is too big');
  });

  it('records a multipart sendDocument with the file length, and keeps the upload downloadable', async () => {
    const upload = Buffer.alloc(12_345, 7);
    const keyboard = Markup.inlineKeyboard([Markup.button.callback('OK', 'ok')]);
    const msg = await telegram.sendDocument(CHAT, { source: upload, filename: 'receipt.pdf' }, { caption: 'Your receipt', ...keyboard });

    const call = fake.sent(CHAT)[0];
    expect(call?.method).toBe('sendDocument');
    expect(call?.params.chat_id).toBe(String(CHAT)); // form fields are strings
    expect(call?.params.caption).toBe('Your receipt');
    expect(call?.params.reply_markup).toEqual(keyboard.reply_markup); // parsed from its JSON string
    const document = call?.params.document as UploadedFile;
    expect(document).toMatchObject({ filename: 'receipt.pdf', size: 12_345 });
    expect(call?.params.method).toBe('sendDocument'); // telegraf adds the method to its forms

    expect(msg.document).toMatchObject({ file_name: 'receipt.pdf', file_size: 12_345, file_id: document.fileId });
    const res = await fetch(await telegram.getFileLink(msg.document.file_id));
    expect((await res.arrayBuffer()).byteLength).toBe(12_345);
  });

  it('parses multipart bodies with quoted names and binary content', () => {
    const boundary = 'XyZ';
    const binary = Buffer.from([0, 13, 10, 45, 45, 255]);
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\ncontent-disposition:form-data; name="chat_id"\r\n\r\n42\r\n--${boundary}\r\n`),
      Buffer.from(`Content-Disposition: form-data; name="photo"; filename="a \\"b\\".jpg"\r\nContent-Type: image/jpeg\r\n\r\n`),
      binary,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const parsed = parseMultipart(body, boundary);
    expect(parsed.fields).toEqual({ chat_id: '42' });
    expect(parsed.files.photo).toEqual({ filename: 'a "b".jpg', contentType: 'image/jpeg', data: binary });
  });

  it('with enforceLimits refuses sends to one chat beyond the burst allowance', async () => {
    await fake.stop();
    fake = await FakeTelegram.start({ enforceLimits: true });
    telegram = new Telegram(fake.token, { apiRoot: fake.apiRoot });

    // burst of 3 tolerated, the 4th within the second is refused
    for (const text of ['1', '2', '3']) await telegram.sendMessage(CHAT, text);
    const err = (await rejection(telegram.sendMessage(CHAT, '4'))) as TelegramError;
    expect(err.code).toBe(429);
    expect(err.parameters?.retry_after).toBeGreaterThanOrEqual(1);
    // another chat is not affected
    await expect(telegram.sendMessage(CHAT + 1, 'other')).resolves.toBeTruthy();
    expect(fake.tooManyRequests).toBe(1);
    expect(fake.sentTexts(CHAT)).toEqual(['1', '2', '3']);
    expect(fake.minGapMsPerChat(CHAT)).toBeLessThan(1000);
    expect(fake.minGapMsPerChat(CHAT + 1)).toBe(Number.POSITIVE_INFINITY);

    // with no burst allowance a second message in the same second is refused
    fake.limits.perChatBurst = 1;
    await telegram.sendMessage(CHAT + 2, 'first');
    const second = (await rejection(telegram.sendMessage(CHAT + 2, 'second'))) as TelegramError;
    expect(second.response.parameters?.retry_after).toBe(1);
  });

  it('with enforceLimits caps a group at groupPerMinute', async () => {
    await fake.stop();
    fake = await FakeTelegram.start({ enforceLimits: true, limits: { groupPerMinute: 2, perChatBurst: 10 } });
    telegram = new Telegram(fake.token, { apiRoot: fake.apiRoot });
    await telegram.sendMessage(-100500, 'a');
    await telegram.sendMessage(-100500, 'b');
    const err = (await rejection(telegram.sendMessage(-100500, 'c'))) as TelegramError;
    expect(err.code).toBe(429);
    expect(err.parameters?.retry_after).toBeGreaterThan(50);
  });

  it('webhook: setWebhook blocks getUpdates; deliverToWebhook posts with the secret header', async () => {
    const received: { headers: IncomingHttpHeaders; body: string }[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/telegram/webhook`;
    try {
      await telegram.setWebhook(url, { secret_token: 's3cret-token' });
      expect(fake.webhookInfo).toEqual({ url, secretToken: 's3cret-token' });
      expect((await telegram.getWebhookInfo()).url).toBe(url);
      expect(((await rejection(telegram.getUpdates(0, 100, 0, undefined))) as TelegramError).code).toBe(409);

      const status = await fake.deliverToWebhook(url, fake.textMessage({ chatId: CHAT, userId: USER, text: 'via hook' }), 's3cret-token');
      expect(status).toBe(200);
      expect(received).toHaveLength(1);
      expect(received[0]?.headers['x-telegram-bot-api-secret-token']).toBe('s3cret-token');
      expect(received[0]?.headers['content-type']).toBe('application/json');
      const update = JSON.parse(received[0]?.body ?? '{}') as Update.MessageUpdate;
      expect(update.update_id).toBeGreaterThan(0);
      expect(update.message).toMatchObject({ text: 'via hook', chat: { id: CHAT } });

      await telegram.deleteWebhook();
      expect(fake.webhookInfo).toBeUndefined();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('records setMyCommands and waitFor explains what it saw on timeout', async () => {
    await telegram.setMyCommands([{ command: 'start', description: 'Start' }]);
    expect(fake.calls[0]?.params).toEqual({ commands: [{ command: 'start', description: 'Start' }] });
    const bad = (await rejection(telegram.setMyCommands([{ command: 'Bad-Command', description: 'x' }]))) as TelegramError;
    expect(bad.description).toBe('Bad Request: BOT_COMMAND_INVALID');

    await telegram.sendMessage(CHAT, 'ping');
    await expect(fake.waitFor((c) => c.method === 'sendMessage' && c.params.text === 'ping', 500)).resolves.toMatchObject({ status: 200 });
    await expect(fake.waitFor((c) => c.method === 'sendPhoto', 100)).rejects.toThrow(
      /no call matched within 100 ms[\s\S]*sendMessage status=200 chat=5551001 text="ping"/,
    );
    fake.clearCalls();
    expect(fake.calls).toEqual([]);
  });

  it('stop() answers a pending long poll', async () => {
    const poll = telegram.getUpdates(30, 100, 0, undefined);
    await fake.waitFor((c) => c.method === 'getUpdates');
    const started = Date.now();
    await fake.stop();
    await expect(poll).resolves.toEqual([]);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('drives a launched Telegraf bot: a pushed /start is answered', async () => {
    const bot = new Telegraf(fake.token, { telegram: { apiRoot: fake.apiRoot, webhookReply: false } });
    bot.start((ctx) => ctx.reply(`welcome ${ctx.from.first_name}`));
    bot.catch(() => undefined);
    const launched = bot.launch();
    try {
      fake.pushUpdate(fake.textMessage({ chatId: CHAT, userId: USER, text: '/start', firstName: 'Sara' }));
      const reply = await fake.waitFor((c) => c.method === 'sendMessage' && c.status === 200, 3000);
      expect(reply.params).toMatchObject({ chat_id: CHAT, text: 'welcome Sara' });
      expect(fake.calls.slice(0, 3).map((c) => c.method)).toEqual(['getMe', 'deleteWebhook', 'getUpdates']);
    } finally {
      bot.stop('test');
      await launched;
    }
    // on stop telegraf confirms the handled batch with one more getUpdates (offset, limit 1)
    const last = fake.calls.filter((c) => c.method === 'getUpdates').at(-1);
    expect(last?.params).toMatchObject({ limit: 1 });
    expect(fake.pendingUpdateCount).toBe(0);
  });
});
