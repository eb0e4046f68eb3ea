import { describe, expect, it } from 'vitest';
import { DEMO_ZONES } from '../catalog/catalog.demo.js';
import { countryOfMccMnc, mccCountries, normalizeMccMnc } from './balances.mcc.js';

describe('MCC-MNC to country', () => {
  it('maps networks to their countries in any usual notation', () => {
    expect(countryOfMccMnc('208-01')).toBe('FR');
    expect(countryOfMccMnc('20801')).toBe('FR');
    expect(countryOfMccMnc('310 260')).toBe('US');
    expect(countryOfMccMnc('454-00')).toBe('HK');
    expect(countryOfMccMnc('466-92')).toBe('TW');
    expect(countryOfMccMnc('460-00')).toBe('CN');
    expect(countryOfMccMnc('440-10')).toBe('JP');
    expect(countryOfMccMnc('234-15')).toBe('GB');
    expect(countryOfMccMnc('234-50')).toBe('JE');
    expect(countryOfMccMnc('425-05')).toBe('PS');
    expect(normalizeMccMnc('208001')).toBe('208-001');
  });

  it('knows no country for unknown, test or international networks, or malformed codes', () => {
    for (const code of ['001-01', '901-18', '999-99', '20', 'abc-de', '2080']) expect(countryOfMccMnc(code), code).toBeUndefined();
  });

  it('covers every country of the demo zones', () => {
    const known = mccCountries();
    const missing = DEMO_ZONES.flatMap((zone) => zone.countries).filter((country) => !known.has(country));
    expect(missing).toEqual([]);
  });
});
