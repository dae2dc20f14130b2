import { describe, expect, it } from 'vitest';
import type { Update } from 'telegraf/types';
import { normalizeUpdate, type NormalizeOptions } from '../../../../src/bots/telegram/normalize-update.js';
import { InboundMessageSchema } from '../../../../src/core/channel.js';

const BOT_ID = 7_000_000_001;
const STAFF_GROUP = -1001234567890;
const STRANGER_GROUP = -1009876543210;
const USER = { id: 555_000_111, is_bot: false, first_name: 'محمد', language_code: 'ar' };
const STAFF = { id: 555_000_222, is_bot: false, first_name: 'Noura', username: 'noura_r' };
const PRIVATE_CHAT = { id: USER.id, type: 'private', first_name: 'محمد' };
const STAFF_CHAT = { id: STAFF_GROUP, type: 'supergroup', title: 'الباحثون الاجتماعيون' };
const STRANGER_CHAT = { id: STRANGER_GROUP, type: 'supergroup', title: 'Random group' };
const DATE = 1_767_261_600; // 2026-01-01T10:00:00Z
const NOW = new Date('2026-01-01T10:05:00.000Z');

const options: NormalizeOptions = { staffGroupId: STAFF_GROUP, botId: BOT_ID, now: () => NOW };

/** Realistic JSON as Telegram sends it; cast because fixtures also include what the types forbid. */
function update(json: object): Update {
  return json as Update;
}

function privateMessage(updateId: number, fields: object): Update {
  return update({ update_id: updateId, message: { message_id: 42, from: USER, chat: PRIVATE_CHAT, date: DATE, ...fields } });
}

const base = {
  channel: 'telegram',
  chatId: String(USER.id),
  userId: String(USER.id),
  receivedAt: '2026-01-01T10:00:00.000Z',
};

describe('normalizeUpdate: private messages', () => {
  it('turns a private text into a beneficiary message keyed by the update id', () => {
    const result = normalizeUpdate(privateMessage(900_001, { text: 'السلام عليكم' }), options);
    expect(result).toEqual({
      kind: 'beneficiary',
      message: { ...base, messageId: '900001', seq: 900_001, text: 'السلام عليكم' },
    });
    if (result.kind === 'beneficiary') expect(InboundMessageSchema.parse(result.message)).toEqual(result.message);
  });

  it('names the message a reply answers (how staff answer the bot’s questions), and nothing for a reply to a deleted message', () => {
    const original = {
      message_id: 41,
      from: { id: 42, is_bot: true, first_name: 'Intake' },
      chat: PRIVATE_CHAT,
      date: 1_767_261_000,
      text: 'اكتب سبب الرفض ردًّا على هذه الرسالة',
    };
    const reply = normalizeUpdate(privateMessage(900_010, { text: 'الدخل يتجاوز الحد', reply_to_message: original }), options);
    expect(reply).toMatchObject({ kind: 'beneficiary', message: { text: 'الدخل يتجاوز الحد', replyTo: '41' } });
    // Telegram leaves reply_to_message out when the original was deleted.
    const plain = normalizeUpdate(privateMessage(900_011, { text: 'الدخل يتجاوز الحد' }), options);
    expect(plain.kind === 'beneficiary' && plain.message.replyTo).toBe(undefined);
    const malformed = normalizeUpdate(privateMessage(900_012, { text: 'x', reply_to_message: { message_id: 'not a number' } }), options);
    expect(malformed.kind === 'beneficiary' && malformed.message.replyTo).toBe(undefined);
  });

  it('keeps a bot command with the bot name as text', () => {
    const result = normalizeUpdate(
      privateMessage(900_002, { text: '/start@MyIntakeBot', entities: [{ offset: 0, length: 18, type: 'bot_command' }] }),
      options,
    );
    expect(result).toMatchObject({ kind: 'beneficiary', message: { text: '/start@MyIntakeBot' } });
  });

  it('takes the largest of a photo’s sizes, with its caption as text', () => {
    const photo = [
      { file_id: 'AgACAgQAAxkBAAIBsmall', file_unique_id: 'AQADs1', file_size: 1_404, width: 90, height: 67 },
      { file_id: 'AgACAgQAAxkBAAIBmedium', file_unique_id: 'AQADs2', file_size: 18_630, width: 320, height: 240 },
      { file_id: 'AgACAgQAAxkBAAIBlarge', file_unique_id: 'AQADs3', file_size: 93_117, width: 1280, height: 960 },
    ];
    const result = normalizeUpdate(privateMessage(900_003, { photo, caption: 'صورة الهوية' }), options);
    expect(result).toEqual({
      kind: 'beneficiary',
      message: {
        ...base,
        messageId: '900003',
        seq: 900_003,
        text: 'صورة الهوية',
        media: { ref: 'AgACAgQAAxkBAAIBlarge', mime: 'image/jpeg', size: 93_117 },
      },
    });
  });

  it('finds the largest photo size whatever the order', () => {
    const photo = [
      { file_id: 'big', file_unique_id: 'b', width: 1280, height: 960 },
      { file_id: 'small', file_unique_id: 's', width: 90, height: 67, file_size: 1_404 },
    ];
    const result = normalizeUpdate(privateMessage(900_004, { photo }), options);
    expect(result).toMatchObject({ kind: 'beneficiary', message: { media: { ref: 'big', mime: 'image/jpeg' } } });
    if (result.kind === 'beneficiary') {
      expect(result.message.media).not.toHaveProperty('size');
      expect(result.message).not.toHaveProperty('text');
    }
  });

  it('takes a PDF document with its name, type and size', () => {
    const document = {
      file_name: 'صك الإيجار.pdf',
      mime_type: 'application/pdf',
      file_id: 'BQACAgQAAxkBAAIBpdf',
      file_unique_id: 'AgADpdf',
      file_size: 245_760,
    };
    const result = normalizeUpdate(privateMessage(900_005, { document }), options);
    expect(result).toEqual({
      kind: 'beneficiary',
      message: {
        ...base,
        messageId: '900005',
        seq: 900_005,
        media: { ref: 'BQACAgQAAxkBAAIBpdf', mime: 'application/pdf', fileName: 'صك الإيجار.pdf', size: 245_760 },
      },
    });
  });

  it('takes an image sent as a file with the type the client declared', () => {
    const document = {
      file_name: 'IMG_2041.PNG',
      mime_type: 'image/png',
      thumbnail: { file_id: 'thumb', file_unique_id: 't', file_size: 9_000, width: 320, height: 240 },
      file_id: 'BQACAgQAAxkBAAIBpng',
      file_unique_id: 'AgADpng',
      file_size: 3_145_728,
    };
    const result = normalizeUpdate(privateMessage(900_006, { document, caption: 'كرت العائلة' }), options);
    expect(result).toMatchObject({
      kind: 'beneficiary',
      message: {
        text: 'كرت العائلة',
        media: { ref: 'BQACAgQAAxkBAAIBpng', mime: 'image/png', fileName: 'IMG_2041.PNG', size: 3_145_728 },
      },
    });
  });

  it.each([
    [
      'sticker',
      {
        sticker: { file_id: 'CAACAgIAAxk', file_unique_id: 'AgAD', type: 'regular', width: 512, height: 512, is_animated: false, is_video: false, emoji: '👍' },
      },
      'sticker',
    ],
    ['voice', { voice: { duration: 4, mime_type: 'audio/ogg', file_id: 'AwACAgQAAxk', file_unique_id: 'AgADv', file_size: 12_000 } }, 'voice'],
    ['audio', { audio: { duration: 180, file_id: 'CQACAgQAAxk', file_unique_id: 'AgADa', title: 'x' } }, 'voice'],
    ['location', { location: { latitude: 24.7136, longitude: 46.6753 } }, 'location'],
    [
      'venue',
      { location: { latitude: 24.7136, longitude: 46.6753 }, venue: { location: { latitude: 24.7136, longitude: 46.6753 }, title: 'Mall', address: 'Riyadh' } },
      'location',
    ],
    ['contact', { contact: { phone_number: '+966500000000', first_name: 'Ali', user_id: 1234 } }, 'contact'],
    [
      'video',
      {
        video: { duration: 12, width: 720, height: 1280, mime_type: 'video/mp4', file_id: 'BAACAgQAAxk', file_unique_id: 'AgADvid', file_size: 2_000_000 },
        caption: 'شرح',
      },
      'video',
    ],
    ['video note', { video_note: { duration: 8, length: 240, file_id: 'DQACAgQAAxk', file_unique_id: 'AgADvn' } }, 'video'],
    [
      'animation (which also carries a document)',
      {
        animation: { file_name: 'giphy.mp4', mime_type: 'video/mp4', duration: 3, width: 480, height: 270, file_id: 'CgACAgQAAxk', file_unique_id: 'AgADan' },
        document: { file_name: 'giphy.mp4', mime_type: 'video/mp4', file_id: 'CgACAgQAAxk', file_unique_id: 'AgADan' },
      },
      'video',
    ],
    [
      'poll',
      {
        poll: {
          id: '1',
          question: 'q',
          options: [],
          total_voter_count: 0,
          is_closed: false,
          is_anonymous: true,
          type: 'regular',
          allows_multiple_answers: false,
        },
      },
      'other',
    ],
    ['dice', { dice: { emoji: '🎲', value: 4 } }, 'other'],
  ])('marks a %s as unsupported', (_name, fields, kind) => {
    const result = normalizeUpdate(privateMessage(900_010, fields), options);
    expect(result).toEqual({ kind: 'beneficiary', message: { ...base, messageId: '900010', seq: 900_010, unsupported: kind } });
  });

  it('ignores a service message in a private chat as empty', () => {
    const result = normalizeUpdate(privateMessage(900_011, { message_auto_delete_timer_changed: { message_auto_delete_time: 86_400 } }), options);
    expect(result).toEqual({ kind: 'ignored', reason: 'empty', updateId: 900_011, chatId: USER.id });
  });

  it('cuts an enormous text to 4,096 characters', () => {
    const result = normalizeUpdate(privateMessage(900_012, { text: 'ب'.repeat(10_000) }), options);
    expect(result.kind === 'beneficiary' && result.message.text?.length).toBe(4096);
  });
});

describe('normalizeUpdate: groups, channels and the staff group', () => {
  it('ignores a message in a group that is not the staff group', () => {
    const result = normalizeUpdate(
      update({ update_id: 900_020, message: { message_id: 7, from: USER, chat: STRANGER_CHAT, date: DATE, text: 'hello bot' } }),
      options,
    );
    expect(result).toEqual({ kind: 'ignored', reason: 'group_not_staff', updateId: 900_020, chatId: STRANGER_GROUP });
  });

  it('treats every group as a stranger while no staff group is configured', () => {
    const result = normalizeUpdate(update({ update_id: 900_021, message: { message_id: 7, from: STAFF, chat: STAFF_CHAT, date: DATE, text: 'hi' } }), {
      staffGroupId: null,
    });
    expect(result).toMatchObject({ kind: 'ignored', reason: 'group_not_staff', chatId: STAFF_GROUP });
  });

  it('recognises a text in the staff group', () => {
    const result = normalizeUpdate(
      update({ update_id: 900_022, message: { message_id: 8, from: STAFF, chat: STAFF_CHAT, date: DATE, text: 'سأتولى الحالة' } }),
      options,
    );
    expect(result).toEqual({ kind: 'staff_message', fromUserId: STAFF.id, chatId: STAFF_GROUP, text: 'سأتولى الحالة', updateId: 900_022 });
  });

  it('ignores non-text and membership messages in the staff group', () => {
    const photo = normalizeUpdate(
      update({
        update_id: 900_023,
        message: { message_id: 9, from: STAFF, chat: STAFF_CHAT, date: DATE, photo: [{ file_id: 'p', file_unique_id: 'u', width: 1, height: 1 }] },
      }),
      options,
    );
    expect(photo).toEqual({ kind: 'ignored', reason: 'empty', updateId: 900_023, chatId: STAFF_GROUP });
    const joined = normalizeUpdate(
      update({ update_id: 900_024, message: { message_id: 10, from: STAFF, chat: STAFF_CHAT, date: DATE, new_chat_members: [USER] } }),
      options,
    );
    expect(joined).toEqual({ kind: 'ignored', reason: 'membership', updateId: 900_024, chatId: STAFF_GROUP });
  });

  it('reports the new id when the staff group is upgraded to a supergroup', () => {
    const oldGroup = { id: -4_000_111, type: 'group', title: 'Researchers' };
    const fromOld = normalizeUpdate(
      update({ update_id: 900_025, message: { message_id: 11, from: STAFF, chat: oldGroup, date: DATE, migrate_to_chat_id: STAFF_GROUP } }),
      { ...options, staffGroupId: oldGroup.id },
    );
    expect(fromOld).toEqual({ kind: 'ignored', reason: 'membership', updateId: 900_025, chatId: oldGroup.id, migratedToChatId: STAFF_GROUP });
    const inNew = normalizeUpdate(
      update({ update_id: 900_026, message: { message_id: 1, from: STAFF, chat: STAFF_CHAT, date: DATE, migrate_from_chat_id: oldGroup.id } }),
      { ...options, staffGroupId: oldGroup.id },
    );
    expect(inNew).toEqual({ kind: 'ignored', reason: 'membership', updateId: 900_026, chatId: STAFF_GROUP, migratedToChatId: STAFF_GROUP });
  });

  it('ignores channel posts, new or edited', () => {
    const channel = { id: -1001111111111, type: 'channel', title: 'News' };
    expect(normalizeUpdate(update({ update_id: 900_027, channel_post: { message_id: 3, chat: channel, date: DATE, text: 'news' } }), options)).toEqual({
      kind: 'ignored',
      reason: 'channel_post',
      updateId: 900_027,
      chatId: channel.id,
    });
    expect(
      normalizeUpdate(
        update({ update_id: 900_028, edited_channel_post: { message_id: 3, chat: channel, date: DATE, edit_date: DATE + 5, text: 'news!' } }),
        options,
      ),
    ).toMatchObject({ kind: 'ignored', reason: 'channel_post' });
  });
});

describe('normalizeUpdate: button presses', () => {
  const botMessage = (chat: object) => ({
    message_id: 77,
    from: { id: BOT_ID, is_bot: true, first_name: 'Intake', username: 'MyIntakeBot' },
    chat,
    date: DATE,
    text: 'حالة جديدة',
  });

  it('turns a press in the staff group into a staff callback', () => {
    const data = 's1:c:0123456789abcdef01234567:AAAAAAAAAAAAAAAA';
    const result = normalizeUpdate(
      update({
        update_id: 900_030,
        callback_query: { id: '4382bfdwdsb323b2d9', from: STAFF, message: botMessage(STAFF_CHAT), chat_instance: '-53453453453', data },
      }),
      options,
    );
    expect(result).toEqual({
      kind: 'staff_callback',
      callbackQueryId: '4382bfdwdsb323b2d9',
      fromUserId: STAFF.id,
      chatId: STAFF_GROUP,
      messageId: 77,
      data,
      updateId: 900_030,
    });
  });

  it('turns a press in a private chat into a choice for the engine', () => {
    const result = normalizeUpdate(
      update({ update_id: 900_031, callback_query: { id: '8812', from: USER, message: botMessage(PRIVATE_CHAT), chat_instance: '123', data: 'rented' } }),
      options,
    );
    expect(result).toEqual({
      kind: 'callback_in_private',
      callbackQueryId: '8812',
      fromUserId: USER.id,
      chatId: USER.id,
      data: 'rented',
      updateId: 900_031,
      looksLikeStaffAction: false,
      messageId: 77,
      message: { ...base, messageId: '900031', seq: 900_031, receivedAt: NOW.toISOString(), choice: 'rented' },
    });
  });

  it('flags a private press whose data looks like a staff action, for the caller to verify', () => {
    const result = normalizeUpdate(
      update({
        update_id: 900_032,
        callback_query: {
          id: '8813',
          from: STAFF,
          message: botMessage({ id: STAFF.id, type: 'private', first_name: 'Noura' }),
          chat_instance: '1',
          data: 's1:a:0123456789abcdef01234567:AAAAAAAAAAAAAAAA',
        },
      }),
      options,
    );
    expect(result).toMatchObject({ kind: 'callback_in_private', looksLikeStaffAction: true, fromUserId: STAFF.id });
  });

  it('still works for a press under a message too old to be accessible', () => {
    const result = normalizeUpdate(
      update({
        update_id: 900_033,
        callback_query: { id: '9', from: STAFF, message: { chat: STAFF_CHAT, message_id: 12, date: 0 }, chat_instance: '1', data: 'x' },
      }),
      options,
    );
    expect(result).toMatchObject({ kind: 'staff_callback', messageId: 12 });
  });

  it('ignores presses in other groups and presses without data, keeping the query id to answer', () => {
    expect(
      normalizeUpdate(
        update({ update_id: 900_034, callback_query: { id: '10', from: USER, message: botMessage(STRANGER_CHAT), chat_instance: '1', data: 'x' } }),
        options,
      ),
    ).toEqual({ kind: 'ignored', reason: 'group_not_staff', updateId: 900_034, chatId: STRANGER_GROUP, callbackQueryId: '10' });
    expect(
      normalizeUpdate(
        update({ update_id: 900_035, callback_query: { id: '11', from: USER, message: botMessage(PRIVATE_CHAT), chat_instance: '1', game_short_name: 'g' } }),
        options,
      ),
    ).toEqual({ kind: 'ignored', reason: 'empty', updateId: 900_035, chatId: USER.id, callbackQueryId: '11' });
    expect(
      normalizeUpdate(
        update({ update_id: 900_036, callback_query: { id: '12', from: USER, inline_message_id: 'AAA', chat_instance: '1', data: 'x' } }),
        options,
      ),
    ).toEqual({ kind: 'ignored', reason: 'unsupported_update', updateId: 900_036, callbackQueryId: '12' });
  });
});

describe('normalizeUpdate: everything else', () => {
  it('answers an edit in a private chat with a notice that changes nothing, one a minute; ignores other edits', () => {
    const edit = (updateId: number, chat: object, editDate: number, from: object = USER) =>
      normalizeUpdate(
        update({ update_id: updateId, edited_message: { message_id: 42, from, chat, date: DATE, edit_date: editDate, text: '1000000008' } }),
        options,
      );
    expect(edit(900_040, PRIVATE_CHAT, DATE + 30)).toEqual({
      kind: 'beneficiary',
      message: {
        ...base,
        messageId: `edited:${Math.floor((DATE + 30) / 60)}`,
        seq: 900_040,
        receivedAt: '2026-01-01T10:00:30.000Z',
        notice: { key: 'edited.notApplied', params: {} },
      },
    });
    // A second edit in the same minute gets the same id: one notice however many edits.
    const again = edit(900_041, PRIVATE_CHAT, DATE + 50);
    expect(again.kind === 'beneficiary' && again.message.messageId).toBe(`edited:${Math.floor((DATE + 30) / 60)}`);
    expect(edit(900_042, STAFF_CHAT, DATE + 30, STAFF)).toEqual({ kind: 'ignored', reason: 'edited', updateId: 900_042, chatId: STAFF_GROUP });
    expect(edit(900_043, STRANGER_CHAT, DATE + 30)).toEqual({ kind: 'ignored', reason: 'edited', updateId: 900_043, chatId: STRANGER_GROUP });
    expect(edit(900_044, PRIVATE_CHAT, DATE + 30, { ...USER, is_bot: true })).toEqual({
      kind: 'ignored',
      reason: 'edited',
      updateId: 900_044,
      chatId: USER.id,
    });
  });

  it('flags the bot being added to a group that is not the staff group', () => {
    const result = normalizeUpdate(
      update({
        update_id: 900_041,
        my_chat_member: {
          chat: STRANGER_CHAT,
          from: USER,
          date: DATE,
          old_chat_member: { user: { id: BOT_ID, is_bot: true, first_name: 'Intake', username: 'MyIntakeBot' }, status: 'left' },
          new_chat_member: { user: { id: BOT_ID, is_bot: true, first_name: 'Intake', username: 'MyIntakeBot' }, status: 'member' },
        },
      }),
      options,
    );
    expect(result).toEqual({ kind: 'ignored', reason: 'membership', updateId: 900_041, chatId: STRANGER_GROUP, addedToStranger: true });
  });

  it('does not flag the staff group, a removal, or a private block', () => {
    const bot = { id: BOT_ID, is_bot: true, first_name: 'Intake' };
    const change = (chat: object, from: string, to: string) =>
      update({
        update_id: 900_042,
        my_chat_member: { chat, from: STAFF, date: DATE, old_chat_member: { user: bot, status: from }, new_chat_member: { user: bot, status: to } },
      });
    expect(normalizeUpdate(change(STAFF_CHAT, 'left', 'administrator'), options)).not.toHaveProperty('addedToStranger');
    expect(normalizeUpdate(change(STRANGER_CHAT, 'member', 'left'), options)).not.toHaveProperty('addedToStranger');
    expect(normalizeUpdate(change(PRIVATE_CHAT, 'member', 'kicked'), options)).toEqual({
      kind: 'ignored',
      reason: 'membership',
      updateId: 900_042,
      chatId: USER.id,
    });
    expect(normalizeUpdate(change(STRANGER_CHAT, 'left', 'member'), { staffGroupId: STAFF_GROUP, botId: 1 })).not.toHaveProperty('addedToStranger');
  });

  it('ignores messages from bots', () => {
    const otherBot = { id: 6_000_000_002, is_bot: true, first_name: 'OtherBot' };
    const result = normalizeUpdate(
      update({ update_id: 900_043, message: { message_id: 5, from: otherBot, chat: STAFF_CHAT, date: DATE, text: '/claim' } }),
      options,
    );
    expect(result).toEqual({ kind: 'ignored', reason: 'from_bot', updateId: 900_043, chatId: STAFF_GROUP });
    expect(normalizeUpdate(privateMessage(900_044, { from: otherBot, text: 'hi' }), options)).toMatchObject({ kind: 'ignored', reason: 'from_bot' });
  });

  it('ignores a malformed update instead of throwing', () => {
    expect(normalizeUpdate(update({ update_id: 5 }), options)).toEqual({ kind: 'ignored', reason: 'unsupported_update', updateId: 5 });
    const broken: unknown[] = [
      null,
      'text',
      {},
      { update_id: 'x', message: {} },
      { update_id: 6, message: null },
      { update_id: 7, message: { chat: { id: 'a', type: 'private' } } },
      { update_id: 8, message: { message_id: 1, chat: PRIVATE_CHAT, date: DATE, text: 'no sender' } },
      { update_id: 9, message: { message_id: 1, from: USER, chat: PRIVATE_CHAT, text: 'no date' } },
      { update_id: 10, message: { message_id: 1, from: USER, chat: PRIVATE_CHAT, date: DATE, photo: [] } },
      { update_id: 11, message: { message_id: 1, from: USER, chat: PRIVATE_CHAT, date: DATE, document: { file_name: 'x.pdf' } } },
      { update_id: 12, message: { message_id: 1, from: USER, chat: PRIVATE_CHAT, date: DATE, text: 42 } },
      { update_id: 13, callback_query: { from: USER, data: 'x' } },
      { update_id: 14, my_chat_member: { chat: STRANGER_CHAT } },
      { update_id: 15, inline_query: { id: '1', from: USER, query: 'q', offset: '' } },
      { update_id: 16, message: { message_id: 1, from: USER, chat: { id: 1, type: 'secret' }, date: DATE, text: 'x' } },
    ];
    for (const json of broken) {
      const result = normalizeUpdate(json as Update, options);
      expect(result, JSON.stringify(json)).toMatchObject({ kind: 'ignored', reason: 'unsupported_update' });
    }
    expect(normalizeUpdate(null as unknown as Update, options)).toEqual({ kind: 'ignored', reason: 'unsupported_update', updateId: -1 });
  });

  it('ignores membership changes of other people and join requests', () => {
    expect(
      normalizeUpdate(
        update({
          update_id: 900_045,
          chat_member: {
            chat: STAFF_CHAT,
            from: STAFF,
            date: DATE,
            old_chat_member: { user: USER, status: 'left' },
            new_chat_member: { user: USER, status: 'member' },
          },
        }),
        options,
      ),
    ).toEqual({ kind: 'ignored', reason: 'membership', updateId: 900_045, chatId: STAFF_GROUP });
  });
});
