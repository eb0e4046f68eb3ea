/**
 * Formatting for people, in the reader's locale: money from integer minor units, dates and periods,
 * data sizes, minutes, country names. Nothing here does arithmetic on money except the final
 * division by 10^exponent for display.
 */

/** Minor-unit exponents as the API uses them (TWD is priced in whole dollars, like JPY). */
const EXPONENT: Readonly<Record<string, number>> = { CNY: 2, HKD: 2, TWD: 0, USD: 2, EUR: 2, GBP: 2, JPY: 0 };

export function currencyExponent(currency: string): number {
  const known = EXPONENT[currency];
  if (known !== undefined) return known;
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/** The locale Intl formats with: the portal's languages are valid BCP 47 tags already. */
export type Locale = string;

export function formatMoney(amountMinor: number, currency: string, locale: Locale): string {
  const exponent = currencyExponent(currency);
  const major = amountMinor / 10 ** exponent;
  try {
    return new Intl.NumberFormat(locale, {
      style: 'currency', currency, currencyDisplay: 'symbol', minimumFractionDigits: exponent, maximumFractionDigits: exponent,
    }).format(major);
  } catch {
    return `${major.toFixed(exponent)} ${currency}`;
  }
}

const dateCache = new Map<string, Intl.DateTimeFormat>();
function dateFormat(locale: Locale, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let format = dateCache.get(key);
  if (format === undefined) {
    format = new Intl.DateTimeFormat(locale, options);
    dateCache.set(key, format);
  }
  return format;
}

export function formatDate(iso: string, locale: Locale): string {
  return dateFormat(locale, { dateStyle: 'medium' }).format(new Date(iso));
}

/** Date and time with the time zone, for anything whose exact moment matters (period ends). */
export function formatDateTime(iso: string, locale: Locale): string {
  return dateFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

export function formatDateTimeZone(iso: string, locale: Locale): string {
  return dateFormat(locale, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' }).format(new Date(iso));
}

/** `start – end` as the locale writes a range of instants, with the time zone. */
export function formatPeriod(startIso: string, endIso: string, locale: Locale): string {
  const format = dateFormat(locale, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });
  return format.formatRange(new Date(startIso), new Date(endIso));
}

const KIB = 1024;
const MIB = KIB * 1024;
const GIB = MIB * 1024;

/** Bytes as GB / MB / KB (binary multiples, as the plans count them). */
export function formatBytes(bytes: number, locale: Locale): string {
  const [value, unit] = bytes >= GIB ? [bytes / GIB, 'gigabyte'] : bytes >= MIB ? [bytes / MIB, 'megabyte'] : [bytes / KIB, 'kilobyte'];
  const digits = value >= 100 || Number.isInteger(value) ? 0 : 1;
  return new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: 'short', maximumFractionDigits: digits }).format(value);
}

/** Seconds of voice as whole minutes (rounded down for what is left, so we never promise too much). */
export function formatMinutes(seconds: number, locale: Locale): string {
  return new Intl.NumberFormat(locale, { style: 'unit', unit: 'minute', unitDisplay: 'long' }).format(Math.floor(seconds / 60));
}

export function formatNumber(value: number, locale: Locale): string {
  return new Intl.NumberFormat(locale).format(value);
}

const regionNames = new Map<string, Intl.DisplayNames>();
/** A country's name in the reader's language, from its ISO 3166-1 alpha-2 code. */
export function countryName(code: string, locale: Locale): string {
  let names = regionNames.get(locale);
  if (names === undefined) {
    names = new Intl.DisplayNames([locale], { type: 'region', fallback: 'code' });
    regionNames.set(locale, names);
  }
  try {
    return names.of(code.toUpperCase()) ?? code;
  } catch {
    return code;
  }
}

/** Share of `part` in `whole`, 0..100, for bars. */
export function percent(part: number, whole: number): number {
  if (whole <= 0) return 0;
  return Math.max(0, Math.min(100, Math.round((part / whole) * 100)));
}
