import { describe, expect, it } from 'vitest';
import type { InlineKeyboardMarkup } from 'telegraf/types';
import { RenderError, TELEGRAM_TEXT_LIMIT, optionsKeyboard, renderMessage, splitText, staffKeyboard } from '../../../../src/bots/telegram/render-message.js';

/** Lines of Arabic text, each 90 characters with its line break, about `total` characters in all. */
function arabicText(total: number): string {
  const line = 'يسعدنا خدمتكم في الجمعية، ونرجو تزويدنا بالمعلومات المطلوبة كاملة وصحيحة لإتمام الطلب'.padEnd(89, '.');
  const lines: string[] = [];
  for (let n = 0; n * 90 < total; n += 1) lines.push(`${line.slice(0, 84)} ${String(n).padStart(4, '0')}`);
  return lines.join('\n');
}

const yesNo = [
  { id: 'yes', label: 'نعم' },
  { id: 'no', label: 'لا' },
];

describe('renderMessage', () => {
  it('sends a short message as one part with its keyboard', () => {
    expect(renderMessage({ text: 'هل المعلومات صحيحة؟', options: yesNo })).toEqual([
      {
        text: 'هل المعلومات صحيحة؟',
        reply_markup: {
          inline_keyboard: [
            [
              { text: '1. نعم', callback_data: 'yes' },
              { text: '2. لا', callback_data: 'no' },
            ],
          ],
        },
      },
    ]);
    expect(renderMessage({ text: 'شكراً' })).toEqual([{ text: 'شكراً' }]);
    expect(renderMessage({ text: 'شكراً', options: [] })).toEqual([{ text: 'شكراً' }]);
  });

  it('splits a 9,000-character Arabic text into 3 parts at line breaks, options on the last', () => {
    const text = arabicText(9_000);
    expect(text.length).toBeGreaterThanOrEqual(8_990);
    const parts = renderMessage({ text, options: yesNo });
    expect(parts).toHaveLength(3);
    for (const part of parts) {
      expect(part.text.length).toBeLessThanOrEqual(TELEGRAM_TEXT_LIMIT);
      expect(part.text.length).toBeGreaterThan(0);
    }
    // Every cut fell on a line break: joining the parts with one gives back the text.
    expect(parts.map((p) => p.text).join('\n')).toBe(text);
    expect(parts[0]).not.toHaveProperty('reply_markup');
    expect(parts[1]).not.toHaveProperty('reply_markup');
    expect(parts[2]?.reply_markup?.inline_keyboard.flat().map((b) => b.callback_data)).toEqual(['yes', 'no']);
    // The parts are full: the first ends within one line of the limit.
    expect(parts[0]!.text.length).toBeGreaterThan(TELEGRAM_TEXT_LIMIT - 90);
  });

  it('gives a value assignable to telegraf’s keyboard type', () => {
    const markup: InlineKeyboardMarkup | undefined = renderMessage({ text: 'x', options: yesNo })[0]?.reply_markup;
    expect(markup?.inline_keyboard).toHaveLength(1);
  });

  it('refuses an empty text', () => {
    expect(() => renderMessage({ text: '  \n ' })).toThrow(RenderError);
  });
});

describe('splitText', () => {
  it('leaves a text at the limit whole, and a break exactly at the limit is used', () => {
    expect(splitText('a'.repeat(10), 10)).toEqual(['a'.repeat(10)]);
    expect(splitText(`${'a'.repeat(10)}\n${'b'.repeat(5)}`, 10)).toEqual(['a'.repeat(10), 'b'.repeat(5)]);
  });

  it('falls back to a space when no line break is near the limit', () => {
    expect(splitText('aaaa\nbbbbbbbbbbbb cccccc', 20)).toEqual(['aaaa\nbbbbbbbbbbbb', 'cccccc']);
  });

  it('prefers a late space to an early line break', () => {
    expect(splitText('a\nbbbbbbbbbbbbbbbbbbbbbbbbbbb cccccccc', 32)).toEqual(['a\nbbbbbbbbbbbbbbbbbbbbbbbbbbb', 'cccccccc']);
  });

  it('uses an early break rather than cutting a word', () => {
    expect(splitText(`aa ${'b'.repeat(18)}`, 20)).toEqual(['aa', 'b'.repeat(18)]);
  });

  it('cuts an unbroken run at the limit without splitting a surrogate pair', () => {
    expect(splitText('x'.repeat(25), 10)).toEqual(['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(5)]);
    const parts = splitText(`${'x'.repeat(9)}😀${'y'.repeat(5)}`, 10);
    expect(parts).toEqual(['x'.repeat(9), `😀${'y'.repeat(5)}`]);
  });

  it('drops blank edges and blank parts', () => {
    expect(splitText(`${'a'.repeat(8)}\n\n\n\n${'b'.repeat(8)}\n`, 10)).toEqual(['a'.repeat(8), 'b'.repeat(8)]);
    expect(splitText('   ')).toEqual([]);
  });
});

describe('optionsKeyboard', () => {
  it('puts two short options a row', () => {
    const options = ['owned', 'rented', 'other'].map((id) => ({ id, label: id }));
    expect(optionsKeyboard(options).inline_keyboard.map((row) => row.map((b) => b.callback_data))).toEqual([['owned', 'rented'], ['other']]);
  });

  it('puts one a row when any label is longer than 20 characters', () => {
    const options = [
      { id: 'yes', label: 'نعم' },
      { id: 'edit', label: 'تعديل المعلومات قبل الإرسال' },
    ];
    expect([...options[1]!.label].length).toBeGreaterThan(20);
    expect(optionsKeyboard(options).inline_keyboard).toEqual([
      [{ text: '1. نعم', callback_data: 'yes' }],
      [{ text: '2. تعديل المعلومات قبل الإرسال', callback_data: 'edit' }],
    ]);
    // Exactly 20 characters still fits two a row.
    expect(
      optionsKeyboard([
        { id: 'a', label: 'x'.repeat(20) },
        { id: 'b', label: 'y' },
      ]).inline_keyboard,
    ).toHaveLength(1);
  });

  it('puts one a row for more than 12 options, such as the review screen', () => {
    const twelve = Array.from({ length: 12 }, (_, i) => ({ id: `o${i}`, label: `${i}` }));
    expect(optionsKeyboard(twelve).inline_keyboard).toHaveLength(6);
    const review = Array.from({ length: 20 }, (_, i) => ({ id: `edit_field_${i}`, label: `حقل ${i}` }));
    const rows = optionsKeyboard(review).inline_keyboard;
    expect(rows).toHaveLength(20);
    expect(rows.every((row) => row.length === 1)).toBe(true);
    expect(rows.map((row) => row[0]?.callback_data)).toEqual(review.map((o) => o.id));
  });

  it('refuses option ids Telegram or the staff routing would refuse', () => {
    expect(() => optionsKeyboard([{ id: 'x'.repeat(65), label: 'long' }])).toThrow(/64 bytes/);
    // 32 Arabic letters are 64 bytes; 33 are 66.
    expect(optionsKeyboard([{ id: 'ب'.repeat(32), label: 'ok' }]).inline_keyboard).toHaveLength(1);
    expect(() => optionsKeyboard([{ id: 'ب'.repeat(33), label: 'ok' }])).toThrow(RenderError);
    expect(() => optionsKeyboard([{ id: '', label: 'empty' }])).toThrow(RenderError);
    expect(() => optionsKeyboard([{ id: 'yes', label: ' ' }])).toThrow(/empty label/);
    expect(() => optionsKeyboard([{ id: 's1:c:whatever', label: 'x' }])).toThrow(/staff/);
  });
});

describe('staffKeyboard', () => {
  it('passes the layout through as callback buttons', () => {
    expect(
      staffKeyboard([
        [
          { text: 'فتح', data: 's1:o:0123456789abcdef01234567:AAAAAAAAAAAAAAAA' },
          { text: 'استلام', data: 's1:c:0123456789abcdef01234567:AAAAAAAAAAAAAAAA' },
        ],
        [],
        [{ text: 'قبول', data: 's1:a:0123456789abcdef01234567:AAAAAAAAAAAAAAAA' }],
      ]),
    ).toEqual({
      inline_keyboard: [
        [
          { text: 'فتح', callback_data: 's1:o:0123456789abcdef01234567:AAAAAAAAAAAAAAAA' },
          { text: 'استلام', callback_data: 's1:c:0123456789abcdef01234567:AAAAAAAAAAAAAAAA' },
        ],
        [{ text: 'قبول', callback_data: 's1:a:0123456789abcdef01234567:AAAAAAAAAAAAAAAA' }],
      ],
    });
    expect(() => staffKeyboard([[{ text: 'x', data: 'y'.repeat(65) }]])).toThrow(RenderError);
  });
});
