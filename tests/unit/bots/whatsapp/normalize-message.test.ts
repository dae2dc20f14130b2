import { describe, expect, it } from 'vitest';
import { InboundMessageSchema } from '../../../../src/core/channel.js';
import { asCanonical, normalizeEdit, normalizeMessage, tiebreak } from '../../../../src/bots/whatsapp/normalize-message.js';
import type { WhatsAppMessage } from '../../../../src/bots/whatsapp/whatsapp-client.js';
import { build, GROUP_WID, markEdited, T0, USER_LID, USER_WID } from '../../../helpers/fake-whatsapp.js';

function beneficiary(msg: WhatsAppMessage) {
  const result = normalizeMessage(msg);
  if (result.kind !== 'beneficiary') throw new Error(`expected a beneficiary message, got ${JSON.stringify(result)}`);
  expect(InboundMessageSchema.parse(result.message)).toEqual(result.message);
  return result.message;
}

describe('normalizeMessage: private chats', () => {
  it('reads a text with the chat, sender, id, seq and date', () => {
    const msg = build.text('السلام عليكم', { key: '3EB0AAAA0000000000000001' });
    expect(beneficiary(msg)).toEqual({
      channel: 'whatsapp',
      chatId: USER_WID,
      userId: USER_WID,
      messageId: `false_${USER_WID}_3EB0AAAA0000000000000001`,
      seq: T0 * 1000 + tiebreak(`false_${USER_WID}_3EB0AAAA0000000000000001`),
      receivedAt: '2026-01-01T10:00:00.000Z',
      text: 'السلام عليكم',
    });
  });

  it('keeps chat ids with dots as they are (hashing is the service’s job)', () => {
    expect(beneficiary(build.text('hi')).chatId).toContain('@c.us');
  });

  it('treats @lid chats as private', () => {
    const message = beneficiary(build.text('hello', { chat: USER_LID }));
    expect(message.chatId).toBe(USER_LID);
    expect(message.userId).toBe(USER_LID);
  });

  it('orders two messages of the same second stably, and before the next second', () => {
    const a = beneficiary(build.text('one', { key: 'AAAA' }));
    const b = beneficiary(build.text('two', { key: 'BBBB' }));
    const later = beneficiary(build.text('three', { t: T0 + 1, key: 'CCCC' }));
    expect(a.seq).not.toBe(b.seq);
    for (const m of [a, b]) {
      expect(m.seq).toBeGreaterThanOrEqual(T0 * 1000);
      expect(m.seq).toBeLessThan(later.seq);
      expect(Number.isSafeInteger(m.seq)).toBe(true);
    }
    // The same message normalised again (catch-up after live delivery) has the same seq.
    expect(beneficiary(build.text('one', { key: 'AAAA' })).seq).toBe(a.seq);
    expect(later.seq).toBeGreaterThanOrEqual((T0 + 1) * 1000);
  });

  it('reads a photo with its caption, mime and size', () => {
    const msg = build.image({ caption: 'هوية الأسرة' });
    expect(beneficiary(msg)).toMatchObject({
      text: 'هوية الأسرة',
      media: { ref: msg.id._serialized, mime: 'image/jpeg', size: msg._data.size },
    });
  });

  it('does not take the thumbnail of an undownloadable photo for a caption', () => {
    const msg = build.image({ downloadable: false });
    expect(msg.hasMedia).toBe(false);
    expect(msg.body).not.toBe('');
    const message = beneficiary(msg);
    expect(message.text).toBeUndefined();
    expect(message.media?.ref).toBe(msg.id._serialized);
  });

  it('reads the caption from the raw model when the media is not downloadable', () => {
    const message = beneficiary(build.image({ downloadable: false, caption: 'صورة الصك' }));
    expect(message.text).toBe('صورة الصك');
  });

  it('reads a PDF document with its file name', () => {
    const msg = build.document({ caption: 'تعريف بالراتب' });
    expect(beneficiary(msg)).toMatchObject({
      text: 'تعريف بالراتب',
      media: { ref: msg.id._serialized, mime: 'application/pdf', fileName: 'salary-certificate.pdf' },
    });
  });

  it('a photo without caption has no text', () => {
    expect(beneficiary(build.image()).text).toBeUndefined();
  });

  it('leaves mime undefined when the raw model has none', () => {
    const msg = build.document();
    delete msg._data.mimetype;
    const message = beneficiary(msg);
    expect(message.media).toBeDefined();
    expect(message.media?.mime).toBeUndefined();
  });

  it.each([
    ['sticker', build.sticker(), 'sticker'],
    ['voice note', build.voice(), 'voice'],
    ['audio', build.ofType('audio', { directPath: '/x' }), 'voice'],
    ['location', build.location(), 'location'],
    ['contact', build.vcard(), 'contact'],
    ['contacts', build.ofType('multi_vcard', { vcardList: [{ vcard: 'BEGIN:VCARD' }] }), 'contact'],
    ['video', build.ofType('video', { directPath: '/v' }), 'video'],
    ['poll', build.ofType('poll_creation', { pollName: 'x' }), 'other'],
    ['a type newer than this code', build.ofType('some_future_type'), 'other'],
  ] as const)('marks a %s as unsupported', (_name, msg, kind) => {
    const message = beneficiary(msg);
    expect(message.unsupported).toBe(kind);
    expect(message.text).toBeUndefined();
    expect(message.media).toBeUndefined();
  });
});

describe('normalizeMessage: ignored', () => {
  it.each([
    ['a group message', build.group('hello all'), 'group'],
    ['an own message', build.own('we received your request'), 'own'],
    ['a status update', build.status('my status'), 'status'],
    ['a broadcast list message', build.ofType('chat', { chat: '1700000000@broadcast', body: 'promo', broadcast: true }), 'broadcast'],
    ['a channel (newsletter) post', build.ofType('chat', { chat: '120363000000000000@newsletter', body: 'news' }), 'broadcast'],
    ['an own message in a group', build.ofType('chat', { chat: GROUP_WID, fromMe: true, body: 'x' }), 'group'],
    ['an empty text', build.text(''), 'empty'],
    ['a blank text', build.text('  \n '), 'empty'],
    ['a revoked message', build.ofType('revoked'), 'system'],
    ['an e2e notification', build.ofType('e2e_notification'), 'system'],
    ['a call log', build.ofType('call_log'), 'system'],
    ['a reaction', build.ofType('reaction'), 'system'],
    ['an unknown server', build.ofType('chat', { chat: '123@s.example', body: 'x' }), 'system'],
  ] as const)('ignores %s', (_name, msg, reason) => {
    expect(normalizeMessage(msg)).toEqual({ kind: 'ignored', reason });
  });

  it('accepts a Wid object as remote, as the page sometimes hands over', () => {
    const msg = build.text('hi');
    (msg.id as unknown as { remote: unknown }).remote = { server: 'c.us', user: '966512345678', _serialized: USER_WID };
    expect(beneficiary(msg).chatId).toBe(USER_WID);
  });

  it('never throws on malformed input', () => {
    const bad: unknown[] = [
      null,
      undefined,
      42,
      'text',
      {},
      { id: null },
      { id: { _serialized: '' } },
      { id: { _serialized: 'x', remote: USER_WID }, type: 'chat', body: 'hi', timestamp: 'soon' },
      { id: { _serialized: 'x', remote: USER_WID }, type: 'chat', body: 'hi', timestamp: -5 },
      { id: { _serialized: 'x', remote: 'x'.repeat(300) + '@c.us' }, type: 'chat', body: 'hi', timestamp: T0 },
      new Proxy(
        {},
        {
          get: () => {
            throw new Error('boom');
          },
        },
      ),
    ];
    for (const value of bad) {
      const result = normalizeMessage(value as WhatsAppMessage);
      expect(result).toMatchObject({ kind: 'ignored', reason: 'system' });
    }
  });
});

describe('normalizeEdit', () => {
  const at = new Date('2026-01-01T10:03:20.000Z');

  it('turns an edit in a private chat into the notice that it changes nothing, one id a minute', () => {
    const edited = markEdited(build.text('الاسم بعد التعديل', { t: T0 }));
    const result = normalizeEdit(edited, at);
    expect(result).toEqual({
      kind: 'beneficiary',
      message: {
        channel: 'whatsapp',
        chatId: USER_WID,
        userId: USER_WID,
        messageId: `edited:${Math.floor(at.getTime() / 60_000)}`,
        seq: at.getTime(),
        receivedAt: at.toISOString(),
        notice: { key: 'edited.notApplied', params: {} },
      },
    });
    const later = normalizeEdit(edited, new Date(at.getTime() + 30_000));
    expect(later.kind === 'beneficiary' && later.message.messageId).toBe(`edited:${Math.floor(at.getTime() / 60_000)}`);
  });

  it('ignores edits in groups and of the account’s own messages', () => {
    expect(normalizeEdit(markEdited(build.group('تعديل')), at)).toEqual({ kind: 'ignored', reason: 'group' });
    expect(normalizeEdit(markEdited(build.own('تعديل')), at)).toEqual({ kind: 'ignored', reason: 'own' });
  });

  it('gives no notice for a body that changed without an edit (a message decrypted late)', () => {
    expect(normalizeEdit(build.text('وصلت متأخرة', { t: T0 }), at)).toEqual({ kind: 'ignored', reason: 'system' });
  });
});

describe('albums, pins, round videos', () => {
  it('ignores an album’s own message (its photos come as images) and a pin; answers a round video as a video', () => {
    expect(normalizeMessage(build.ofType('album', { t: T0 }))).toEqual({ kind: 'ignored', reason: 'system' });
    expect(normalizeMessage(build.ofType('pin_message', { t: T0 }))).toEqual({ kind: 'ignored', reason: 'system' });
    const ptv = normalizeMessage(build.ofType('ptv', { t: T0 }));
    expect(ptv.kind === 'beneficiary' && ptv.message.unsupported).toBe('video');
  });
});

describe('asCanonical: one person under either id', () => {
  const of = (message: WhatsAppMessage) => {
    const normalized = normalizeMessage(message);
    if (normalized.kind !== 'beneficiary') throw new Error('not a beneficiary message');
    return normalized.message;
  };

  it('reads a message the same whichever id it came through, and leaves one under the canonical id as it was', () => {
    const viaLid = of(build.text('أوافق', { chat: USER_LID, key: '3EB0AA', t: T0 }));
    const viaNumber = of(build.text('أوافق', { chat: USER_WID, key: '3EB0AA', t: T0 }));
    const canonical = asCanonical(viaLid, USER_WID);
    expect(canonical).toEqual(viaNumber);
    expect(canonical.messageId).toBe(`false_${USER_WID}_3EB0AA`);
    expect(Math.floor(canonical.seq / 1000)).toBe(T0);
    expect(asCanonical(viaNumber, USER_WID)).toBe(viaNumber);
  });

  it('keeps the download reference of a photo as WhatsApp knows it', () => {
    const photo = of(build.image({ chat: USER_LID, key: '3EB0BB' }));
    expect(asCanonical(photo, USER_WID).media?.ref).toBe(`false_${USER_LID}_3EB0BB`);
  });

  it('moves an edit notice to the canonical chat without changing its minute', () => {
    const edit = normalizeEdit(markEdited(build.text('تعديل', { chat: USER_LID, t: T0 })), new Date(T0 * 1000 + 90_000));
    if (edit.kind !== 'beneficiary') throw new Error('not a beneficiary edit');
    expect(asCanonical(edit.message, USER_WID)).toMatchObject({ chatId: USER_WID, messageId: edit.message.messageId, seq: edit.message.seq });
  });
});
