/**
 * SMS encoding and segmentation (3GPP TS 23.038 alphabet, TS 23.040 concatenation).
 *
 * - Text made only of the GSM 7-bit default alphabet (and its extension table) goes with
 *   `data_coding` 0, one septet value per octet as SMPP carries it (the SMSC packs): 160 septets in
 *   one SMS, 153 per segment of a long one. An extension character (`€ [ ] { } | ^ ~ \`, form
 *   feed) costs two septets and is never split from its escape.
 * - Anything else (Chinese, emoji, most accents) goes as UCS-2, `data_coding` 8, UTF-16BE: 70 code
 *   units in one SMS, 67 per segment; a surrogate pair is never split.
 * - Long messages are split with a concatenation user data header (IEI 0x00, 8-bit reference) in
 *   each segment's `short_message`, with `esm_class` UDHI. We chose UDH over the SAR TLVs or one
 *   `message_payload`: every SMSC and handset understands it, while SAR is optional in SMPP 3.4 and
 *   `message_payload` leaves splitting to the SMSC, which many limit or refuse.
 */
const GSM_BASIC = [
  '@', '£', '$', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', '\n', 'Ø', 'ø', '\r', 'Å', 'å',
  'Δ', '_', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ', 'Σ', 'Θ', 'Ξ', '\u001b', 'Æ', 'æ', 'ß', 'É',
  ' ', '!', '"', '#', '¤', '%', '&', "'", '(', ')', '*', '+', ',', '-', '.', '/',
  '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ';', '<', '=', '>', '?',
  '¡', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O',
  'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 'Ä', 'Ö', 'Ñ', 'Ü', '§',
  '¿', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
  'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'ä', 'ö', 'ñ', 'ü', 'à',
] as const;

const GSM_EXTENSION: Readonly<Record<string, number>> = {
  '\f': 0x0a, '^': 0x14, '{': 0x28, '}': 0x29, '\\': 0x2f, '[': 0x3c, '~': 0x3d, ']': 0x3e, '|': 0x40, '€': 0x65,
};

const ESCAPE = 0x1b;
const GSM_CODE = new Map<string, number>(GSM_BASIC.map((c, i) => [c, i] as [string, number]).filter(([c]) => c !== '\u001b'));

export const DATA_CODING_GSM7 = 0;
export const DATA_CODING_UCS2 = 8;

/** The most segments one message may take; longer texts are refused rather than sent as a flood. */
export const MAX_SEGMENTS = 10;

const LIMITS = {
  [DATA_CODING_GSM7]: { single: 160, segment: 153 },
  [DATA_CODING_UCS2]: { single: 70, segment: 67 },
} as const;

export interface EncodedSms {
  readonly dataCoding: typeof DATA_CODING_GSM7 | typeof DATA_CODING_UCS2;
  /** Each segment's `short_message`, with its concatenation header when there are several. */
  readonly segments: readonly Buffer[];
  /** `esm_class` for every segment: UDHI (0x40) when segmented. */
  readonly esmClass: number;
}

/** GSM septet values of `text`, one array per character, or undefined when a character is not in the alphabet. */
function gsmUnits(text: string): number[][] | undefined {
  const units: number[][] = [];
  for (const char of text) {
    const basic = GSM_CODE.get(char);
    if (basic !== undefined) {
      units.push([basic]);
      continue;
    }
    const extended = GSM_EXTENSION[char];
    if (extended === undefined) return undefined;
    units.push([ESCAPE, extended]);
  }
  return units;
}

/** UTF-16BE code units of `text`, one array per character (two units for a surrogate pair). */
function ucs2Units(text: string): number[][] {
  const units: number[][] = [];
  for (const char of text) {
    const unit: number[] = [];
    for (let i = 0; i < char.length; i += 1) {
      const code = char.charCodeAt(i);
      unit.push(code >> 8, code & 0xff);
    }
    units.push(unit);
  }
  return units;
}

/** True when `text` fits the GSM 7-bit default alphabet (with its extension table). */
export function isGsm7(text: string): boolean {
  return gsmUnits(text) !== undefined;
}

/** Packs whole characters into chunks of at most `capacity` units (septets, or UTF-16 code units). */
function chunk(units: number[][], capacity: number, unitSize: number): number[][] {
  const chunks: number[][] = [];
  let current: number[] = [];
  for (const char of units) {
    if ((current.length + char.length) / unitSize > capacity) {
      chunks.push(current);
      current = [];
    }
    current.push(...char);
  }
  if (current.length > 0 || chunks.length === 0) chunks.push(current);
  return chunks;
}

/**
 * Encodes and, when needed, splits `text`. `reference` (0-255) ties the segments of one message
 * together on the handset; the same message should keep the same reference when sent again.
 * Throws `RangeError` for a text that would need more than `MAX_SEGMENTS` segments.
 */
export function encodeSms(text: string, reference: number): EncodedSms {
  const gsm = gsmUnits(text);
  const dataCoding = gsm === undefined ? DATA_CODING_UCS2 : DATA_CODING_GSM7;
  const units = gsm ?? ucs2Units(text);
  const unitSize = dataCoding === DATA_CODING_UCS2 ? 2 : 1;
  const limits = LIMITS[dataCoding];
  const length = units.reduce((sum, char) => sum + char.length, 0) / unitSize;
  if (length <= limits.single) return { dataCoding, segments: [Buffer.from(units.flat())], esmClass: 0 };
  const chunks = chunk(units, limits.segment, unitSize);
  if (chunks.length > MAX_SEGMENTS) throw new RangeError(`an SMS of ${length} characters needs ${chunks.length} segments (at most ${MAX_SEGMENTS})`);
  const ref = reference & 0xff;
  const segments = chunks.map((payload, i) => Buffer.from([0x05, 0x00, 0x03, ref, chunks.length, i + 1, ...payload]));
  return { dataCoding, segments, esmClass: 0x40 };
}

/** Decodes one segment's text (without its header); the inverse of `encodeSms`, for tests and logs of receipts. */
export function decodeSms(payload: Buffer, dataCoding: number): string {
  if (dataCoding === DATA_CODING_UCS2) {
    let out = '';
    for (let i = 0; i + 1 < payload.length; i += 2) out += String.fromCharCode(payload.readUInt16BE(i));
    return out;
  }
  let out = '';
  for (let i = 0; i < payload.length; i += 1) {
    const code = payload[i] ?? 0;
    if (code === ESCAPE) {
      const next = payload[i + 1] ?? 0;
      out += Object.entries(GSM_EXTENSION).find(([, value]) => value === next)?.[0] ?? ' ';
      i += 1;
    } else {
      out += GSM_BASIC[code] ?? ' ';
    }
  }
  return out;
}

/** A stable 8-bit concatenation reference for a message id. */
export function concatReference(messageId: string): number {
  let hash = 0;
  for (let i = 0; i < messageId.length; i += 1) hash = (hash * 31 + messageId.charCodeAt(i)) >>> 0;
  return hash & 0xff;
}
