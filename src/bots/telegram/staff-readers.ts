import type { Language } from '../../engine/session.js';
import type { Staff } from '../../models/staff.js';

/** A chat staff texts go to, and the language they are written in there. */
export interface Reader {
  chatId: string;
  lang: Language;
}

/**
 * Who reads staff texts in which language: each member privately in the one they chose
 * (`/language`, `staff add --language`); the staff group, and members who have not chosen, in
 * the association's (STAFF_GROUP_LANGUAGE). A beneficiary's own language is not decided here:
 * what they are sent follows their conversation.
 */
export class StaffReaders {
  constructor(
    /** The association's language for staff texts. */
    readonly associationLanguage: Language,
    private readonly staffGroupId: number | null,
  ) {}

  /** The language a member reads; the association's for someone who is not (or no longer) staff. */
  langOf(member: Staff | null | undefined): Language {
    return member?.language ?? this.associationLanguage;
  }

  /** A member's private chat with the bot. */
  of(member: Staff): Reader {
    return { chatId: String(member.telegramUserId), lang: this.langOf(member) };
  }

  /** The staff group; null when none is configured. */
  group(): Reader | null {
    return this.staffGroupId === null ? null : { chatId: String(this.staffGroupId), lang: this.associationLanguage };
  }
}
