import { useTranslation } from 'react-i18next';
import type { AllowanceView, Language, Localized } from '../api/types';
import { isLanguage } from '../i18n';
import { formatBytes, formatMinutes, formatMoney, formatNumber } from './format';

/** The reader's language and helpers that format in it. */
export function useLocale() {
  const { t, i18n } = useTranslation();
  const language: Language = isLanguage(i18n.language) ? i18n.language : 'en';
  const pick = (text: Localized | undefined): string => (text === undefined ? '' : text[language] || text.en);
  /** An allowance amount (bytes, seconds, messages or minor units) as people read it. */
  const amount = (kind: AllowanceView['kind'], value: number, currency: string | null = null): string => {
    switch (kind) {
      case 'data': return formatBytes(value, language);
      case 'voice': return formatMinutes(value, language);
      case 'sms': return t('units.sms', { count: value, formatted: formatNumber(value, language) });
      case 'money': return formatMoney(value, currency ?? 'USD', language);
    }
  };
  return { t, language, locale: language, pick, amount };
}
