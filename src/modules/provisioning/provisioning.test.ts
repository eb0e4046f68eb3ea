import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { describe, expect, it } from 'vitest';
import { isDomainError } from '../../platform/errors.js';
import { DEMO_CLAIMABLE_SIMS, DEMO_ESIM_POOL_SIZE, DEMO_PHYSICAL_STOCK_SIZE, demoInventory } from './provisioning.demo.js';
import {
  SIM_STATUSES, activationCodeOf, canTransition, checkSimImport, esimActivationOf, isValidIccid, isValidMatchingId, isValidSmdpAddress,
  luhnCheckDigit, normaliseMsisdn, withLuhnCheckDigit, type SimImport,
} from './provisioning.js';

describe('Luhn and ICCIDs', () => {
  it('computes the Luhn check digit of known numbers', () => {
    expect(luhnCheckDigit('7992739871')).toBe(3);
    expect(luhnCheckDigit('453201511283036')).toBe(6);
    expect(withLuhnCheckDigit('0')).toBe('00');
  });

  it('accepts 19 and 20 digit ICCIDs starting with 89 whose check digit is right', () => {
    const nineteen = withLuhnCheckDigit('898520012345678901');
    const twenty = withLuhnCheckDigit('8944500102198304826');
    expect(nineteen).toHaveLength(19);
    expect(twenty).toHaveLength(20);
    expect(isValidIccid(nineteen)).toBe(true);
    expect(isValidIccid(twenty)).toBe(true);
  });

  it('refuses a wrong check digit, a swapped pair, a wrong length, a non-telecom prefix and non-digits', () => {
    const good = withLuhnCheckDigit('898520012345678901');
    const wrongDigit = `${good.slice(0, -1)}${(Number(good.slice(-1)) + 1) % 10}`;
    const swapped = `${good.slice(0, 8)}${good[9]}${good[8]}${good.slice(10)}`;
    expect(swapped).not.toBe(good);
    for (const bad of [wrongDigit, swapped, withLuhnCheckDigit('89852001234567890'), withLuhnCheckDigit('89852001234567890123'),
      withLuhnCheckDigit('718520012345678901'), `${good.slice(0, -1)}X`, ` ${good}`, '']) {
      expect(isValidIccid(bad), bad).toBe(false);
    }
  });
});

describe('eSIM activation codes', () => {
  it('is LPA:1$<SM-DP+ address>$<matching id>', () => {
    expect(activationCodeOf('smdp.example.com', 'ABC12-3DEF4')).toBe('LPA:1$smdp.example.com$ABC12-3DEF4');
    expect(esimActivationOf({ type: 'esim', smdpAddress: 'smdp.example.com', matchingId: 'X-1' })).toEqual({
      smdpAddress: 'smdp.example.com', matchingId: 'X-1', activationCode: 'LPA:1$smdp.example.com$X-1',
    });
    expect(esimActivationOf({ type: 'physical', smdpAddress: null, matchingId: null })).toBeUndefined();
  });

  it('accepts host names and upper-case matching ids only, so the code never contains a stray $', () => {
    expect(isValidSmdpAddress('rsp.truphone.com')).toBe(true);
    for (const bad of ['https://smdp.example.com', 'smdp.example.com:443', 'localhost', 'smdp$.example.com', 'SMDP..example.com']) {
      expect(isValidSmdpAddress(bad), bad).toBe(false);
    }
    expect(isValidMatchingId('K2-1X4RL1-1JHXZ2')).toBe(true);
    for (const bad of ['', 'abc', 'A$B', 'A'.repeat(65)]) expect(isValidMatchingId(bad), bad).toBe(false);
  });
});

describe('SIM states', () => {
  it('only moves forward, and assigned is final', () => {
    expect(canTransition('in_stock', 'claimable')).toBe(true);
    expect(canTransition('in_stock', 'assigned')).toBe(true);
    expect(canTransition('claimable', 'assigned')).toBe(true);
    for (const to of SIM_STATUSES) expect(canTransition('assigned', to)).toBe(false);
    expect(canTransition('claimable', 'in_stock')).toBe(false);
  });
});

describe('checkSimImport', () => {
  const esim: SimImport = { iccid: withLuhnCheckDigit('898529900000000001'), msisdn: '+852 5300 1000', type: 'esim', smdpAddress: 'smdp.example.com', matchingId: 'AB-12' };
  const physical: SimImport = { iccid: withLuhnCheckDigit('898529900000000002'), msisdn: '+85251000101', type: 'physical', status: 'claimable' };

  function fieldOf(sim: SimImport): unknown {
    try {
      checkSimImport(sim, 7);
    } catch (error) {
      expect(isDomainError(error) && error.code).toBe('provisioning.sim_record_invalid');
      return isDomainError(error) ? error.details['field'] : undefined;
    }
    return undefined;
  }

  it('normalises the number to E.164 and defaults to in stock', () => {
    expect(checkSimImport(esim, 0)).toMatchObject({ msisdn: '+85253001000', status: 'in_stock', smdpAddress: 'smdp.example.com' });
    expect(checkSimImport(physical, 0)).toMatchObject({ status: 'claimable', smdpAddress: null, matchingId: null });
  });

  it('names the bad field', () => {
    expect(fieldOf({ ...esim, iccid: '8985299000000000010' })).toBe('iccid');
    expect(fieldOf({ ...esim, msisdn: '+85223456789' })).toBe('msisdn');
    expect(fieldOf({ ...esim, msisdn: '12345' })).toBe('msisdn');
    expect(fieldOf({ ...esim, smdpAddress: undefined })).toBe('smdpAddress');
    expect(fieldOf({ ...esim, matchingId: 'lower' })).toBe('matchingId');
    expect(fieldOf({ ...esim, status: 'claimable' })).toBe('status');
    expect(fieldOf({ ...physical, matchingId: 'AB-12' })).toBe('smdpAddress');
    expect(fieldOf({ ...physical, type: 'nano' as never })).toBe('type');
  });

  it('accepts mobile numbers only', () => {
    expect(normaliseMsisdn('+85251000101')).toBe('+85251000101');
    expect(normaliseMsisdn('+85223456789')).toBeUndefined();
    expect(normaliseMsisdn('not a number')).toBeUndefined();
  });
});

describe('demo inventory', () => {
  it('has at least 5 claimable SIMs with valid Hong Kong mobile numbers', () => {
    expect(DEMO_CLAIMABLE_SIMS.length).toBeGreaterThanOrEqual(5);
    for (const sim of DEMO_CLAIMABLE_SIMS) {
      const phone = parsePhoneNumberFromString(sim.msisdn);
      expect(phone?.isValid(), sim.msisdn).toBe(true);
      expect(phone?.getType(), sim.msisdn).toBe('MOBILE');
      expect(phone?.number).toBe(sim.msisdn);
      expect(isValidIccid(sim.iccid), sim.iccid).toBe(true);
    }
  });

  it('has a pool of at least 50 eSIM profiles and 50 physical SIMs in stock, every record valid and unique', () => {
    const inventory = demoInventory();
    expect(DEMO_ESIM_POOL_SIZE).toBeGreaterThanOrEqual(50);
    expect(inventory.filter((s) => s.type === 'esim')).toHaveLength(DEMO_ESIM_POOL_SIZE);
    expect(DEMO_PHYSICAL_STOCK_SIZE).toBeGreaterThanOrEqual(50);
    expect(inventory.filter((s) => s.type === 'physical' && s.status === 'in_stock')).toHaveLength(DEMO_PHYSICAL_STOCK_SIZE);
    inventory.forEach((sim, index) => {
      checkSimImport(sim, index);
      expect(parsePhoneNumberFromString(sim.msisdn)?.getType(), sim.msisdn).toBe('MOBILE');
    });
    expect(new Set(inventory.map((s) => s.iccid)).size).toBe(inventory.length);
    expect(new Set(inventory.map((s) => s.msisdn)).size).toBe(inventory.length);
    expect(new Set(inventory.map((s) => s.matchingId ?? s.iccid)).size).toBe(inventory.length);
    expect(demoInventory()).toEqual(inventory);
  });
});
