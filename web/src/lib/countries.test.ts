import { describe, expect, it } from 'vitest';
import { ISO_COUNTRIES } from '../../../src/modules/catalog/catalog.countries.js';
import { COUNTRY_CODES, countryOptions, defaultCountry } from './countries';

describe('shipping countries', () => {
  it('offers exactly the countries the API accepts', () => {
    expect([...COUNTRY_CODES].sort()).toEqual(ISO_COUNTRIES);
  });

  it('names them in the reader\'s language, sorted by name, with the ISO code as the value', () => {
    const en = countryOptions('en');
    expect(en).toHaveLength(COUNTRY_CODES.length);
    expect(en.find((o) => o.value === 'JP')?.label).toBe('Japan');
    expect(en.findIndex((o) => o.value === 'AF')).toBeLessThan(en.findIndex((o) => o.value === 'ZW'));
    expect(countryOptions('zh-TW').find((o) => o.value === 'KR')?.label).toBe('南韓');
    expect(countryOptions('zh-CN').find((o) => o.value === 'JP')?.label).toBe('日本');
  });

  it('defaults to the browser\'s country, else the language\'s', () => {
    expect(defaultCountry('en', ['en-GB', 'en'])).toBe('GB');
    expect(defaultCountry('zh-TW', [])).toBe('TW');
    expect(defaultCountry('zh-CN', ['zh'])).toBe('CN');
    expect(defaultCountry('en', ['not a tag'])).toBe('US');
  });
});
