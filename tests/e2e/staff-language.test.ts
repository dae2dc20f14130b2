/**
 * Staff in their language, against a fake Bot API and the real MongoDB and Redis: a researcher who
 * chose English with `/language`, a committee member added with `--language en` and an
 * administrator who switches (after a slip) work an Arabic beneficiary's case from the group's
 * alert to the decision. Everything sent to their private chats, and every answer to their
 * presses, is English; the group's alerts stay in the association's Arabic; a colleague who chose
 * nothing reads Arabic; the beneficiary is told in their own Arabic.
 */
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import type { RecordedCall, UploadedFile } from '../helpers/fake-telegram.js';
import { pdfText } from '../helpers/pdf.js';
import {
  answerTo,
  ARABIC_APPLICANT,
  arabicRequest,
  callsTo,
  groupAlertFor,
  groupButtonData,
  messageIdOf,
  Staffer,
  startTelegramRig,
  textOf,
  TgUser,
} from '../helpers/telegram-people.js';
import { waitFor } from '../helpers/test-app.js';

const GROUP = -100_961;
const JOHN = { name: 'John Carter', telegramUserId: 8501, roles: ['researcher' as const] };
const MARY = { name: 'Mary Stone', telegramUserId: 8502, roles: ['committee' as const], language: 'en' as const };
const LAYLA = { name: 'ليلى الباحثة', telegramUserId: 8503, roles: ['researcher' as const] };
const OMAR = { name: 'Omar Admin', telegramUserId: 8504, roles: ['admin' as const] };
/** What the beneficiary typed: their data, which staff read as written, in any language. */
const TYPED = [ARABIC_APPLICANT.fullName, 'الرياض', 'النسيم', 'تأخرت في سداد إيجار الشقة ثلاثة أشهر'];
const ARABIC_LETTERS = /[\u0600-\u06FF]/;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

/** Every text the bot put in a private chat (sent, edited, captions), in order. */
function privateTexts(calls: readonly RecordedCall[], chatId: number): string[] {
  return calls
    .filter((c) => ['sendMessage', 'editMessageText', 'sendPhoto', 'sendDocument'].includes(c.method) && c.result !== undefined)
    .filter((c) => String(c.params.chat_id) === String(chatId))
    .map((c) => [textOf(c), ...buttonLabels(c)].join('\n'));
}

function buttonLabels(call: RecordedCall): string[] {
  const markup = call.params.reply_markup as { inline_keyboard?: { text: string }[][] } | undefined;
  return markup?.inline_keyboard?.flat().map((b) => b.text) ?? [];
}

/** A text with the data removed (what the beneficiary typed, names, what the beneficiary will read): what is left is the bot's own words. */
function botWords(text: string, data: readonly string[]): string {
  return data.reduce((left, value) => left.split(value).join(''), text);
}

describe('staff in their language', () => {
  it('writes every private staff text in the language each member chose; the group and the beneficiary keep theirs', async () => {
    const { fake, app } = await startTelegramRig(cleanups, GROUP);
    for (const member of [JOHN, MARY, LAYLA, OMAR]) await app.repositories.staff.add(member);
    const john = new TgUser(fake, JOHN.telegramUserId, 'en');
    const mary = new TgUser(fake, MARY.telegramUserId, 'en');
    const layla = new TgUser(fake, LAYLA.telegramUserId);
    const omar = new TgUser(fake, OMAR.telegramUserId, 'en');

    // John switches: told in English, and from now on everything of his is.
    const switched = await john.say('/language', 'now reach you in English');
    expect(switched).toContain("The staff group's alerts stay in the association's language");
    const johnFrom = privateTexts(fake.calls, JOHN.telegramUserId).length - 1;
    expect((await app.repositories.staff.findByTelegramUserId(JOHN.telegramUserId))?.language).toBe('en');

    const photo = (seed: number) =>
      sharp({ create: { width: 300, height: 200, channels: 3, background: { r: 40 + seed, g: 90, b: 120 } } })
        .jpeg()
        .toBuffer();
    const applicant = new TgUser(fake, 5591101);
    const reference = await arabicRequest(applicant, [await photo(1), await photo(2)]);
    const id = (await app.repositories.cases.findByReference(reference))!.id;

    // The group's alert is in the association's Arabic, buttons too.
    const alert = await groupAlertFor(fake, GROUP, reference);
    expect(textOf(alert)).toContain('طلب دعم جديد');
    const alertId = messageIdOf(alert);
    const johnInGroup = new Staffer(fake, GROUP, JOHN.telegramUserId);
    const groupPresses: string[] = [];
    const pressInGroup = async (label: string) => {
      const query = johnInGroup.pressInGroup(alertId, groupButtonData(fake, GROUP, alertId, label));
      groupPresses.push(query);
      return textOf(await answerTo(fake, query));
    };
    expect(await pressInGroup('استلام')).toBe('You claimed the request for study.');
    await waitFor(async () => (await app.repositories.cases.get(id))?.assignee?.name === JOHN.name, 'the claim');

    // His queue, a page of it, the case itself.
    const filters = await john.say('/cases', 'Requests: choose a list');
    expect(filters).toContain('📋 Requests: choose a list.');
    await john.pressLabel('Mine (1)');
    await waitFor(() => privateTexts(fake.calls, JOHN.telegramUserId).some((t) => t.startsWith('📋 Mine: 1 · page 1 of 1')), 'the page of his cases');
    expect(await john.pressLabel(`1. ${reference}`)).toBe("I sent you the request's details in a private chat.");
    const caseView = await waitFor(() => john.texts().find((t) => t.startsWith(`📂 Request ${reference}`)), 'the case view');
    expect(caseView).toContain('Status: under study');
    expect(caseView).toContain(ARABIC_APPLICANT.fullName);

    // The form for the paper file, in his language, the person's words as written.
    expect(await john.pressLabel('🖨️ Form (PDF)')).toBe("Preparing the request's form; it will reach you here in a moment.");
    const sent = await waitFor(() => callsTo(fake, 'sendDocument', JOHN.telegramUserId).at(-1), 'the form');
    const upload = sent.params.document as UploadedFile;
    expect(upload.filename).toBe(`${reference}-form.pdf`);
    const form = pdfText(fake.uploadedBytes(upload.fileId!)!);
    for (const words of ['Beneficiary support request', reference, 'Full name', 'القحطاني', 'النسيم']) expect(form).toContain(words);

    // A slip, then his recommendation from the case view: asked, refused and saved in English.
    expect(await john.say('/case SR-0000-0000', 'does not exist')).toContain('The request does not exist.');
    expect(await john.pressLabel('👍 Recommend approval')).toBe('Continue in your private chat with the bot.');
    await john.answerQuestion('A monthly rent payment for three months', 'Nothing changed');
    await john.answerQuestion('A monthly rent payment for three months\nVisited on Monday: the lease and the arrears are as stated.', 'is saved');

    // He hands it to Layla, who chose nothing: she is told in Arabic, he in English.
    expect(await john.pressLabel('🔁 Hand over')).toBe('Continue in your private chat with the bot.');
    await waitFor(() => john.texts().some((t) => t.includes(`Hand request ${reference} to:`)), 'the list of colleagues');
    expect(await john.pressLabel(LAYLA.name)).toBe(`Handed to ${LAYLA.name}.`);
    await waitFor(() => layla.texts().some((t) => t.includes(`سلّمك ${JOHN.name} الطلب ${reference}`)), 'Layla told in Arabic');
    await waitFor(() => callsTo(fake, 'sendMessage', GROUP).some((c) => textOf(c).includes(`سُلّم الطلب ${reference}`)), 'the group told in Arabic');

    // Mary, added reading English, decides from her agenda.
    const agenda = await mary.say('/agenda', 'Ready for decision');
    expect(agenda).toContain(`1. ${reference}`);
    expect(agenda).toContain('A monthly rent payment for three months');
    expect(await mary.pressLabel('✅ 1')).toBe('Continue in your private chat with the bot.');
    const asked = await mary.replies(0, 'approval');
    expect(asked).toContain(`Request ${reference} — approval.`);
    await mary.answerQuestion('A monthly rent payment of 1500 riyals for three months', 'exactly what the beneficiary will receive');
    expect(await mary.pressLabel('✅ Send')).toBe('Decision recorded.');
    await waitFor(async () => (await app.repositories.cases.get(id))?.status === 'approved', 'the approval');
    // The beneficiary, who wrote in Arabic, is told in Arabic.
    const told = await waitFor(() => applicant.texts().find((t) => t.includes('قررت لجنة البحث قبول طلبك')), 'the beneficiary told');
    expect(told).toContain('A monthly rent payment of 1500 riyals for three months');

    // Omar slips, then chooses English by name; his report comes in English.
    expect(await omar.say('/language fr', '/language')).toContain('اكتب /language');
    expect(await omar.say('/language english', 'in English')).toContain('Done: your staff messages now reach you in English');
    const omarFrom = privateTexts(fake.calls, OMAR.telegramUserId).length - 1;
    expect(await omar.say('/report', 'Association report')).toContain('📊 Association report from');

    // Everything of theirs, read once more: nothing in the bot's own words is Arabic.
    const data = [...TYPED, LAYLA.name, told, JOHN.name, MARY.name, OMAR.name];
    const calls = fake.calls;
    const texts = [
      ...privateTexts(calls, JOHN.telegramUserId).slice(johnFrom),
      ...privateTexts(calls, MARY.telegramUserId),
      ...privateTexts(calls, OMAR.telegramUserId).slice(omarFrom),
    ];
    const answers = calls
      .filter((c) => c.method === 'answerCallbackQuery' && [...john.pressed, ...mary.pressed, ...groupPresses].includes(String(c.params.callback_query_id)))
      .map((c) => String(c.params.text ?? ''));
    expect(texts.length).toBeGreaterThan(15);
    expect(answers.length).toBe(john.pressed.length + mary.pressed.length + groupPresses.length);
    const arabic = [...texts, ...answers].filter((text) => ARABIC_LETTERS.test(botWords(text, data)));
    expect(arabic).toEqual([]);
    // And Layla, who chose nothing, read Arabic throughout.
    expect(layla.texts().every((text) => ARABIC_LETTERS.test(botWords(text, [reference, JOHN.name])))).toBe(true);
  }, 120_000);
});
