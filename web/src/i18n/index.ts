import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import type { Language } from '../api/types';
import en from './en.json';

/**
 * The portal speaks English, Simplified and Traditional Chinese. English ships in the main bundle;
 * the Chinese texts are separate chunks loaded before the first render that needs them, so a
 * traveller on a slow connection downloads only their own language.
 */
export const LANGUAGE_NAMES: Readonly<Record<Language, string>> = { en: 'English', 'zh-CN': '简体中文', 'zh-TW': '繁體中文' };
const STORAGE_KEY = 'roamline.language';
/** Set when the reader picked a language on this device before signing in (it then wins over the profile). */
const CHOSEN_KEY = 'roamline.language.chosen';

const loaders: Readonly<Record<Exclude<Language, 'en'>, () => Promise<{ default: unknown }>>> = {
  'zh-CN': () => import('./zh-CN.json'),
  'zh-TW': () => import('./zh-TW.json'),
};

declare global {
  interface Window {
    /** Keys the page asked for that no language has: read by the browser tests. */
    __roamlineMissingKeys?: string[];
  }
}

export function isLanguage(value: string | null | undefined): value is Language {
  return value === 'en' || value === 'zh-CN' || value === 'zh-TW';
}

/** zh-HK, zh-MO, zh-TW and zh-Hant read Traditional; other Chinese reads Simplified. */
export function languageFromTags(tags: readonly string[]): Language {
  for (const raw of tags) {
    const tag = raw.toLowerCase();
    if (tag.startsWith('zh')) return /hant|tw|hk|mo/.test(tag) ? 'zh-TW' : 'zh-CN';
    if (tag.startsWith('en')) return 'en';
  }
  return 'en';
}

function storedLanguage(): Language | undefined {
  try {
    const value = localStorage.getItem(STORAGE_KEY);
    return isLanguage(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

async function ensureLoaded(language: Language): Promise<void> {
  if (language === 'en' || i18n.hasResourceBundle(language, 'translation')) return;
  const module = await loaders[language]();
  i18n.addResourceBundle(language, 'translation', module.default, true, true);
}

function applyToDocument(language: Language): void {
  document.documentElement.lang = language;
  document.title = i18n.t('app.title');
}

export async function initI18n(): Promise<typeof i18n> {
  const language = storedLanguage() ?? languageFromTags(navigator.languages ?? [navigator.language]);
  window.__roamlineMissingKeys = [];
  await i18n.use(initReactI18next).init({
    lng: 'en',
    fallbackLng: 'en',
    supportedLngs: ['en', 'zh-CN', 'zh-TW'],
    resources: { en: { translation: en } },
    interpolation: { escapeValue: false },
    returnNull: false,
    saveMissing: true,
    missingKeyHandler: (_languages, _namespace, key) => {
      window.__roamlineMissingKeys?.push(key);
    },
  });
  await switchLanguage(language, { remember: false, chosen: false });
  return i18n;
}

/**
 * Shows the portal in `language`. `remember` keeps it on this device; `chosen` marks it as picked by
 * the reader in this visit, so that signing in afterwards keeps it rather than the profile's.
 */
export async function switchLanguage(language: Language, options: { remember: boolean; chosen: boolean }): Promise<void> {
  await ensureLoaded(language);
  await i18n.changeLanguage(language);
  applyToDocument(language);
  try {
    if (options.remember) localStorage.setItem(STORAGE_KEY, language);
    if (options.chosen) sessionStorage.setItem(CHOSEN_KEY, language);
  } catch {
    // Private browsing may refuse storage; the choice still holds for this page.
  }
}

/** The language picked on this device in this visit, if any (it wins over the profile's at sign-in). */
export function chosenThisVisit(): Language | undefined {
  try {
    const value = sessionStorage.getItem(CHOSEN_KEY);
    return isLanguage(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

export function currentLanguage(): Language {
  const language = i18n.language;
  return isLanguage(language) ? language : 'en';
}

export default i18n;
