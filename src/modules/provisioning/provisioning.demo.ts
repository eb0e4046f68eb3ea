import { sha256Hex } from '../../platform/crypto.js';
import { withLuhnCheckDigit, type SimImport } from './provisioning.js';

/** The SM-DP+ address of the demo eSIM pool (`.test` is reserved: it resolves nowhere). */
export const DEMO_SMDP_ADDRESS = 'smdp.roamline.test';

/** ICCID of the demo inventory: `89` telecom, `852` Hong Kong, issuer `99`, an 11-digit serial, Luhn digit. */
function demoIccid(serial: number): string {
  return withLuhnCheckDigit(`8985299${String(serial).padStart(11, '0')}`);
}

/**
 * Physical SIMs "sold in a shop" that any demo account can claim (`POST /api/v1/lines/claim`): the
 * code goes to the number's SMS, which `npm start` keeps in the development outbox. Hong Kong
 * mobile numbers, valid per libphonenumber (a unit test checks it).
 */
export const DEMO_CLAIMABLE_SIMS = [
  { msisdn: '+85251000101', iccid: demoIccid(10_000_000_101) },
  { msisdn: '+85251000102', iccid: demoIccid(10_000_000_102) },
  { msisdn: '+85251000103', iccid: demoIccid(10_000_000_103) },
  { msisdn: '+85251000104', iccid: demoIccid(10_000_000_104) },
  { msisdn: '+85251000105', iccid: demoIccid(10_000_000_105) },
  { msisdn: '+85251000106', iccid: demoIccid(10_000_000_106) },
] as const;

export const DEMO_ESIM_POOL_SIZE = 50;

/** Physical SIMs in the warehouse, for SIM cards ordered to a shipping address. */
export const DEMO_PHYSICAL_STOCK_SIZE = 50;

/** The matching id of a demo profile: stable per ICCID, so seeding twice gives the same rows. */
function demoMatchingId(iccid: string): string {
  const hex = sha256Hex(`demo-esim:${iccid}`).toUpperCase();
  return `${hex.slice(0, 5)}-${hex.slice(5, 10)}-${hex.slice(10, 15)}-${hex.slice(15, 20)}`;
}

/**
 * The demo inventory: the claimable SIMs, a pool of eSIM profiles on +852 5300 1000..1049 and
 * physical SIMs in stock on +852 5200 1000..1049 (SIM card orders take these).
 */
export function demoInventory(): SimImport[] {
  const claimable: SimImport[] = DEMO_CLAIMABLE_SIMS.map((sim) => ({ ...sim, type: 'physical', status: 'claimable' }));
  const esims: SimImport[] = [];
  for (let i = 0; i < DEMO_ESIM_POOL_SIZE; i += 1) {
    const iccid = demoIccid(20_000_001_000 + i);
    esims.push({
      iccid, msisdn: `+8525300${1000 + i}`, type: 'esim', status: 'in_stock',
      smdpAddress: DEMO_SMDP_ADDRESS, matchingId: demoMatchingId(iccid),
    });
  }
  const physical: SimImport[] = Array.from({ length: DEMO_PHYSICAL_STOCK_SIZE }, (_, i) => ({
    iccid: demoIccid(30_000_000_000 + i), msisdn: `+8525200${1000 + i}`, type: 'physical', status: 'in_stock',
  }));
  return [...claimable, ...esims, ...physical];
}
