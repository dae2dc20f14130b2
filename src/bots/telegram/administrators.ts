import type { Language } from '../../engine/session.js';
import type { StaffRepository } from '../../models/staff.js';
import { may } from '../../services/staff-permissions.js';
import type { StaffReaders } from './staff-readers.js';
import type { TelegramGateway } from './telegram-gateway.js';

/**
 * Tells every active administrator privately, each in their language (an operational alert:
 * WhatsApp logged out, a researcher who cannot be reached); the staff group, in the
 * association's, when no administrator could be reached. Returns how many chats were told.
 */
export async function tellAdministrators(
  deps: { gateway: TelegramGateway; staff: StaffRepository; readers: StaffReaders },
  text: (lang: Language) => string,
): Promise<number> {
  const admins = (await deps.staff.list()).filter((member) => may(member, 'administer'));
  let told = 0;
  for (const admin of admins) {
    const reader = deps.readers.of(admin);
    if (await deps.gateway.tell(reader.chatId, text(reader.lang))) told += 1;
  }
  const group = deps.readers.group();
  if (told === 0 && group && (await deps.gateway.tell(group.chatId, text(group.lang)))) told = 1;
  return told;
}
