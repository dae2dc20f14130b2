/**
 * A support request typed through the console channel, for tests that need a real
 * submitted case: a single person with no income who rents, with two photos.
 */
import sharp from 'sharp';
import { expect } from 'vitest';
import type { RecordingChannel, TestChat } from './test-app.js';

let photoCount = 0;

async function photo(): Promise<Buffer> {
  return sharp({ create: { width: 40, height: 30, channels: 3, background: '#888888' } })
    .jpeg()
    .toBuffer();
}

/** Sends a photo as a phone would (its bytes served by the recording channel). */
export async function sendPhoto(chat: TestChat, channel: RecordingChannel, expect: string): Promise<string> {
  const ref = `photo-${++photoCount}`;
  const bytes = await photo();
  channel.files.set(ref, bytes);
  return chat.send(chat.message({ media: { ref, mime: 'image/jpeg', size: bytes.length } }), expect);
}

/** Answers the support request up to the review. */
export async function answerUpToReview(chat: TestChat, channel: RecordingChannel, nationalId: string): Promise<void> {
  await chat.say('السلام عليكم', 'القائمة الرئيسية');
  await chat.say('1', 'هل توافق');
  await chat.say('نعم', 'لنفسك');
  await chat.say('1', 'الاسم الكامل');
  await chat.say('محمد عبدالله القحطاني', 'رقم الهوية');
  await chat.say(nationalId, 'رقم الجوال');
  await chat.say('٠٥٠١٢٣٤٥٦٧', 'مدينة');
  await chat.say('الرياض', 'الحي');
  await chat.say('النسيم', 'الحالة الاجتماعية');
  await chat.say('1', 'عدد أفراد');
  await chat.say('1', 'دخل');
  await chat.say('0', 'نوع السكن');
  await chat.say('2', 'الإيجار الشهري');
  await chat.say('1500', 'نوع الدعم');
  await chat.say('2', 'صف حاجتك');
  await chat.say('تأخرت في سداد إيجار الشقة ثلاثة أشهر', 'لهوية');
  await sendPhoto(chat, channel, 'وصلنا الملف');
  await chat.say('تم', 'عقد الإيجار');
  await sendPhoto(chat, channel, 'وصلنا الملف');
  await chat.say('تم', 'راجع بياناتك');
}

/** Confirms the review and signs the declaration; returns the reference. */
export async function submit(chat: TestChat): Promise<string> {
  await chat.say('1', 'الإقرار');
  const reply = await chat.say('1', 'الرقم المرجعي');
  const reference = /SR-[0-9A-Z]{4}-[0-9A-Z]{4}/.exec(reply)?.[0];
  expect(reference, reply).toBeDefined();
  return reference!;
}
