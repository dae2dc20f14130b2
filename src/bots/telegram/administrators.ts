import type { StaffRepository } from '../../models/staff.js';
import { may } from '../../services/staff-permissions.js';
import type { TelegramGateway } from './telegram-gateway.js';

/**
 * Tells every active administrator privately (an operational alert: WhatsApp logged out, a
 * researcher who cannot be reached); the staff group when no administrator could be reached.
 * Returns how many chats were told.
 */
export async function tellAdministrators(
  deps: { gateway: TelegramGateway; staff: StaffRepository; staffGroupId: number | null },
  text: string,
): Promise<number> {
  const admins = (await deps.staff.list()).filter((member) => may(member, 'administer'));
  let told = 0;
  for (const admin of admins) if (await deps.gateway.tell(String(admin.telegramUserId), text)) told += 1;
  if (told === 0 && deps.staffGroupId !== null && (await deps.gateway.tell(String(deps.staffGroupId), text))) told = 1;
  return told;
}
