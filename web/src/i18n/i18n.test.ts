import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../../src/platform/error-codes.js';
import en from './en.json';
import zhCN from './zh-CN.json';
import zhTW from './zh-TW.json';

type Tree = { readonly [key: string]: string | Tree };

/** Every leaf key of a translation file, as i18next addresses it ("lines.status.active"). */
function leafKeys(tree: Tree, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([key, value]) => {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    return typeof value === 'string' ? [path] : leafKeys(value, path);
  });
}

function leafValues(tree: Tree, prefix = ''): Array<[string, string]> {
  return Object.entries(tree).flatMap(([key, value]) => {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    return typeof value === 'string' ? [[path, value] as [string, string]] : leafValues(value, path);
  });
}

const LANGUAGES: Record<string, Tree> = { en, 'zh-CN': zhCN, 'zh-TW': zhTW };
const englishKeys = new Set(leafKeys(en));

describe('portal translations', () => {
  for (const [language, tree] of Object.entries(LANGUAGES)) {
    it(`${language} has exactly the keys of en`, () => {
      const keys = new Set(leafKeys(tree));
      expect([...englishKeys].filter((key) => !keys.has(key)), `missing in ${language}`).toEqual([]);
      expect([...keys].filter((key) => !englishKeys.has(key)), `extra in ${language}`).toEqual([]);
    });

    it(`${language} has a message for every API error code`, () => {
      const keys = new Set(leafKeys(tree));
      const missing = Object.keys(ERROR_CODES).filter((code) => !keys.has(`errors.${code}`));
      expect(missing, `error codes without a ${language} message`).toEqual([]);
    });

    it(`${language} keeps the {{placeholders}} of en and has no empty text`, () => {
      const english = new Map(leafValues(en));
      const placeholders = (value: string): string[] => [...new Set([...value.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1] ?? ''))].sort();
      for (const [key, text] of leafValues(tree)) {
        expect(text.trim(), `${language} ${key} is empty`).not.toBe('');
        // Chinese has no singular form: its unused `_one` texts may leave out {{count}}.
        const drop = (list: string[]) => (language !== 'en' && key.endsWith('_one') ? list.filter((p) => p !== 'count') : list);
        expect(drop(placeholders(text)), `${language} ${key}`).toEqual(drop(placeholders(english.get(key) ?? '')));
      }
    });
  }

  it('the Chinese texts are in Chinese, each in its own script', () => {
    // A few characters that differ between the scripts: the Simplified file must not use the
    // Traditional form, and the other way round.
    const pairs: Array<[string, string]> = [['号', '號'], ['设', '設'], ['费', '費'], ['码', '碼'], ['单', '單'], ['户', '戶'], ['门', '門'], ['录', '錄']];
    const simplified = leafValues(zhCN).map(([, v]) => v).join('');
    const traditional = leafValues(zhTW).map(([, v]) => v).join('');
    for (const [s, t] of pairs) {
      expect(simplified.includes(t), `zh-CN uses the Traditional ${t}`).toBe(false);
      expect(traditional.includes(s), `zh-TW uses the Simplified ${s}`).toBe(false);
    }
    expect(/[\u4e00-\u9fff]/.test(simplified) && /[\u4e00-\u9fff]/.test(traditional)).toBe(true);
  });

  it('every key the portal asks for literally exists in en', () => {
    const root = join(dirname(fileURLToPath(import.meta.url)), '..');
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (/\.tsx?$/.test(name) && !name.endsWith('.test.ts')) files.push(path);
      }
    };
    walk(root);
    const missing: string[] = [];
    for (const file of files) {
      const source = readFileSync(file, 'utf8');
      for (const match of source.matchAll(/\bt\(\s*'([a-zA-Z][\w]*(?:\.[\w]+)+)'/g)) {
        const key = match[1] ?? '';
        const asked = englishKeys.has(key) || englishKeys.has(`${key}_one`) || englishKeys.has(`${key}_other`);
        if (!asked) missing.push(`${key} (${file.slice(root.length + 1)})`);
      }
    }
    expect(missing).toEqual([]);
  });
});
