import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { provisioningErrors } from './provisioning.errors.js';

/**
 * SIM / eSIM inventory: pure rules and types. An ICCID (ITU-T E.118) is `89` (telecom), a country
 * code, an issuer and a serial, closed by a Luhn check digit: 19 or 20 digits in all. An eSIM
 * profile is downloaded from its SM-DP+ with the activation code `LPA:1$<SM-DP+ address>$<matching
 * id>` (GSMA SGP.22), which is derived from the stored parts, never stored itself.
 */
export const SIM_TYPES = ['physical', 'esim'] as const;
export type SimType = (typeof SIM_TYPES)[number];

/**
 * `in_stock`: in the warehouse or the eSIM pool. `claimable`: a physical SIM sold in a shop, waiting
 * for its buyer to attach it to an account. `assigned`: bound to a line.
 */
export const SIM_STATUSES = ['in_stock', 'claimable', 'assigned'] as const;
export type SimStatus = (typeof SIM_STATUSES)[number];

/** The allowed status changes, as data. `assigned` is final (recycling a SIM is a later issue). */
export const SIM_TRANSITIONS: Readonly<Record<SimStatus, readonly SimStatus[]>> = {
  in_stock: ['claimable', 'assigned'],
  claimable: ['assigned'],
  assigned: [],
};

export function canTransition(from: SimStatus, to: SimStatus): boolean {
  return SIM_TRANSITIONS[from].includes(to);
}

export interface Sim {
  readonly iccid: string;
  /** E.164, e.g. `+85251000101`. */
  readonly msisdn: string;
  readonly type: SimType;
  readonly status: SimStatus;
  /** eSIM only. */
  readonly smdpAddress: string | null;
  /** eSIM only. */
  readonly matchingId: string | null;
  /** The line the SIM is bound to, once assigned. */
  readonly lineId: string | null;
  readonly createdAtMs: number;
  readonly assignedAtMs: number | null;
}

/** What a phone needs to download an eSIM profile (typed in, or scanned as a QR code). */
export interface EsimActivation {
  readonly smdpAddress: string;
  readonly matchingId: string;
  /** `LPA:1$<SM-DP+ address>$<matching id>`. */
  readonly activationCode: string;
}

/** The Luhn (mod 10) check digit of a string of decimal digits. */
export function luhnCheckDigit(payload: string): number {
  let sum = 0;
  for (let i = 0; i < payload.length; i += 1) {
    // Counting from the right of the payload, every first, third, ... digit is doubled.
    let digit = payload.charCodeAt(payload.length - 1 - i) - 48;
    if (i % 2 === 0) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return (10 - (sum % 10)) % 10;
}

/** `payload` followed by its Luhn check digit. */
export function withLuhnCheckDigit(payload: string): string {
  return `${payload}${luhnCheckDigit(payload)}`;
}

/** True for 19 or 20 digits starting with `89` whose last digit is the Luhn check digit. */
export function isValidIccid(iccid: string): boolean {
  if (!/^89\d{17,18}$/.test(iccid)) return false;
  return luhnCheckDigit(iccid.slice(0, -1)) === Number(iccid.slice(-1));
}

const FQDN = /^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const MATCHING_ID = /^[0-9A-Z-]{1,64}$/;

/** An SM-DP+ address is a lower-case fully qualified domain name (no scheme, no port). */
export function isValidSmdpAddress(address: string): boolean {
  return FQDN.test(address);
}

/** Matching ids are upper-case letters, digits and hyphens (they never contain the `$` separator). */
export function isValidMatchingId(matchingId: string): boolean {
  return MATCHING_ID.test(matchingId);
}

export function activationCodeOf(smdpAddress: string, matchingId: string): string {
  return `LPA:1$${smdpAddress}$${matchingId}`;
}

/** The activation details of an eSIM, or undefined for a physical SIM. */
export function esimActivationOf(sim: Pick<Sim, 'type' | 'smdpAddress' | 'matchingId'>): EsimActivation | undefined {
  if (sim.type !== 'esim' || sim.smdpAddress === null || sim.matchingId === null) return undefined;
  return { smdpAddress: sim.smdpAddress, matchingId: sim.matchingId, activationCode: activationCodeOf(sim.smdpAddress, sim.matchingId) };
}

/**
 * The E.164 form of a mobile number, or undefined when it is not a valid mobile number. Numbering
 * plans that cannot tell mobile from fixed (North America) count as mobile.
 */
export function normaliseMsisdn(input: string): string | undefined {
  const phone = parsePhoneNumberFromString(input.trim());
  if (phone === undefined || !phone.isValid()) return undefined;
  const type = phone.getType();
  return type === 'MOBILE' || type === 'FIXED_LINE_OR_MOBILE' ? phone.number : undefined;
}

/** One SIM of an inventory batch, as the operator or the SIM vendor delivers it. */
export interface SimImport {
  readonly iccid: string;
  /** E.164 or international format; stored as E.164. */
  readonly msisdn: string;
  readonly type: SimType;
  /** `in_stock` (the default) or, for physical SIMs already sold in a shop, `claimable`. */
  readonly status?: 'in_stock' | 'claimable';
  /** eSIM only, required. */
  readonly smdpAddress?: string;
  /** eSIM only, required. */
  readonly matchingId?: string;
}

/** The checked, normalised form of `sim`; throws `provisioning.sim_record_invalid` naming the field. */
export function checkSimImport(sim: SimImport, index: number): Required<Omit<SimImport, 'smdpAddress' | 'matchingId'>> & { smdpAddress: string | null; matchingId: string | null } {
  if (!isValidIccid(sim.iccid)) throw provisioningErrors.simRecordInvalid(index, 'iccid', 'must be 19 or 20 digits starting with 89, ending with its Luhn check digit');
  const msisdn = normaliseMsisdn(sim.msisdn);
  if (msisdn === undefined) throw provisioningErrors.simRecordInvalid(index, 'msisdn', 'must be a valid mobile number in international format');
  if (!(SIM_TYPES as readonly string[]).includes(sim.type)) throw provisioningErrors.simRecordInvalid(index, 'type', 'must be physical or esim');
  const status = sim.status ?? 'in_stock';
  if (status !== 'in_stock' && status !== 'claimable') throw provisioningErrors.simRecordInvalid(index, 'status', 'must be in_stock or claimable');
  if (status === 'claimable' && sim.type !== 'physical') throw provisioningErrors.simRecordInvalid(index, 'status', 'claimable is for physical SIMs only');
  if (sim.type === 'physical') {
    if (sim.smdpAddress !== undefined || sim.matchingId !== undefined) throw provisioningErrors.simRecordInvalid(index, 'smdpAddress', 'is for eSIMs only');
    return { iccid: sim.iccid, msisdn, type: sim.type, status, smdpAddress: null, matchingId: null };
  }
  if (sim.smdpAddress === undefined || !isValidSmdpAddress(sim.smdpAddress)) throw provisioningErrors.simRecordInvalid(index, 'smdpAddress', 'must be the SM-DP+ host name');
  if (sim.matchingId === undefined || !isValidMatchingId(sim.matchingId)) throw provisioningErrors.simRecordInvalid(index, 'matchingId', 'must be 1 to 64 upper-case letters, digits or hyphens');
  return { iccid: sim.iccid, msisdn, type: sim.type, status, smdpAddress: sim.smdpAddress, matchingId: sim.matchingId };
}
