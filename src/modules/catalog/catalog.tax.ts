import { assert } from '../../platform/assert.js';
import { mulDivRound } from '../../platform/money.js';
import { isIsoCountry } from './catalog.countries.js';
import { catalogErrors } from './catalog.errors.js';

/**
 * Standard VAT / GST rate on mobile telecom services by the customer's country, in basis points
 * (1 % = 100), as in force in 2026. Catalog prices include tax; these rates split the tax part out
 * for receipts. China taxes data (a value-added telecom service) at 6 %; Hong Kong and Macao have no
 * VAT; the United States has no federal VAT (state sales and telecom taxes are not modelled).
 * A country that is not listed is one where the operator does not charge tax: its rate is 0.
 */
export const TAX_RATES_BASIS_POINTS: Readonly<Record<string, number>> = {
  // European Union
  AT: 2000, BE: 2100, BG: 2000, HR: 2500, CY: 1900, CZ: 2100, DK: 2500, EE: 2400, FI: 2550,
  FR: 2000, DE: 1900, GR: 2400, HU: 2700, IE: 2300, IT: 2200, LV: 2100, LT: 2100, LU: 1700,
  MT: 1800, NL: 2100, PL: 2300, PT: 2300, RO: 2100, SK: 2300, SI: 2200, ES: 2100, SE: 2500,
  // Rest of Europe
  GB: 2000, CH: 810, LI: 810, NO: 2500, IS: 2400,
  // Asia-Pacific
  CN: 600, HK: 0, MO: 0, TW: 500, JP: 1000, KR: 1000, SG: 900, TH: 700, PH: 1200, IN: 1800,
  AU: 1000, NZ: 1500,
  // Middle East and Americas
  AE: 500, SA: 1500, US: 0,
};

/** Tax rate in basis points for the customer's country (ISO alpha-2, any case); throws `catalog.country_unknown`. */
export function taxRateBasisPoints(country: string): number {
  const code = country.trim().toUpperCase();
  if (!isIsoCountry(code)) throw catalogErrors.countryUnknown(country);
  return TAX_RATES_BASIS_POINTS[code] ?? 0;
}

/**
 * The tax contained in a tax-inclusive amount: `amountMinor × rate / (1 + rate)`, rounded half away
 * from zero, in integer arithmetic. `taxIncluded(1200, 2000)` → 200 (GBP 12.00 at 20 % holds 2.00).
 */
export function taxIncluded(amountMinor: number, basisPoints: number): number {
  assert(Number.isSafeInteger(basisPoints) && basisPoints >= 0 && basisPoints <= 10_000, 'tax rate must be 0..10000 basis points');
  return mulDivRound(amountMinor, basisPoints, 10_000 + basisPoints);
}
