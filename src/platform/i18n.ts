/** The languages the product speaks, everywhere: API messages, notifications, portal. */
export const LANGUAGES = ['en', 'zh-CN', 'zh-TW'] as const;
export type Language = (typeof LANGUAGES)[number];

/** A text in every language; a missing translation does not compile. */
export type Localized = Readonly<Record<Language, string>>;

export function isLanguage(value: string): value is Language {
  return (LANGUAGES as readonly string[]).includes(value);
}

/** Picks the best language from an `Accept-Language` header (zh-HK and zh-Hant read zh-TW). */
export function languageFromHeader(header: string | undefined): Language {
  if (header === undefined) return 'en';
  const tags = header.split(',').map((part) => part.split(';')[0]?.trim().toLowerCase() ?? '');
  for (const tag of tags) {
    if (tag.startsWith('zh')) {
      return /hant|tw|hk|mo/.test(tag) ? 'zh-TW' : 'zh-CN';
    }
    if (tag.startsWith('en')) return 'en';
  }
  return 'en';
}
