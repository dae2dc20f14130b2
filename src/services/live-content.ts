import type { FaqIndex, Translate } from '../engine/contract.js';
import { FaqMatcher } from '../faq/faq-matcher.js';
import { faqIndexOf } from '../flows/catalog.js';
import type { Content } from '../i18n/content.js';
import type { ContentStore } from '../i18n/content-store.js';
import { createTranslator, faqMessages } from '../i18n/translator.js';

/**
 * What the conversations read from the content files, kept current: the texts (messages
 * and FAQ answers) and the FAQ matcher. When staff edit a file and the {@link ContentStore}
 * accepts the edit, the next message is answered with it; a refused edit changes nothing.
 */
export class LiveContent {
  private current: { translate: Translate; faq: FaqIndex };

  constructor(
    store: ContentStore,
    private readonly defaults: { days: number },
  ) {
    this.current = this.build(store.current);
    store.onChange((content) => {
      this.current = this.build(content);
    });
  }

  /** Renders a key with the content as it is now. */
  readonly translate: Translate = (lang, key, params) => this.current.translate(lang, key, params);

  /** The FAQ as it is now. */
  readonly faq: FaqIndex = {
    topicIds: () => this.current.faq.topicIds(),
    match: (text) => this.current.faq.match(text),
  };

  private build(content: Content): { translate: Translate; faq: FaqIndex } {
    const catalogues = {
      ar: { ...content.messages.ar, ...faqMessages(content.faq.ar.topics) },
      en: { ...content.messages.en, ...faqMessages(content.faq.en.topics) },
    };
    return {
      translate: createTranslator(catalogues, this.defaults),
      faq: faqIndexOf(
        new FaqMatcher(content.faq),
        content.faq.ar.topics.map((topic) => topic.id),
      ),
    };
  }
}
