import { beforeAll, beforeEach, expect, it } from 'vitest';
import { DAY_MS, HOUR_MS } from '../../../src/platform/clock.js';
import { inTransaction } from '../../../src/platform/db/database.js';
import { isDomainError } from '../../../src/platform/errors.js';
import { GB_BYTES } from '../../../src/platform/money.js';
import { catalogMigrations, type PromotionCheckInput, type PromotionDefinition, type Redemption } from '../../../src/modules/catalog/index.js';
import { describeEachStore } from '../../support/stores.js';
import { START_MS, catalogOn, promotionDefinition, uniqueCode, type CatalogHarness } from './catalog-fixtures.js';

describeEachStore('promotions', { migrations: catalogMigrations }, ({ getDb }) => {
  let h: CatalogHarness;

  beforeAll(async () => {
    h = catalogOn(getDb());
    await h.catalog.seedDemoCatalog();
  });

  beforeEach(() => h.clock.set(START_MS));

  const check = (code: string, overrides: Partial<PromotionCheckInput> = {}) => h.catalog.checkPromotion(getDb().db, {
    code, customerId: 'cus_A', planCode: 'JP-DATA-7D', currency: 'USD', listPriceMinor: 1250, isFirstOrder: true, atMs: h.clock.nowMs(), ...overrides,
  });
  const redeem = (promotionId: string, customerId: string, orderId: string = uniqueCode('ord')): Promise<Redemption> =>
    inTransaction(getDb().db, (tx) => h.catalog.redeemPromotion(tx, { promotionId, customerId, orderId, atMs: h.clock.nowMs() }));
  const release = (orderId: string): Promise<boolean> => inTransaction(getDb().db, (tx) => h.catalog.releasePromotion(tx, orderId));
  const define = (overrides: Partial<PromotionDefinition> = {}) => h.catalog.definePromotion(promotionDefinition(overrides));
  const redeemedOf = async (code: string): Promise<number> => (await h.catalog.findPromotion(code))?.redeemed ?? -1;
  const rowsOf = async (promotionId: string): Promise<number> =>
    (await getDb().db.selectFrom('promotion_redemption').select('id').where('promotion_id', '=', promotionId).where('released_at', 'is', null).execute()).length;
  /** Settles every attempt and returns the counted redemptions and the refusal codes. */
  async function settle(attempts: ReadonlyArray<Promise<Redemption>>): Promise<{ counted: number; refusals: string[] }> {
    const results = await Promise.allSettled(attempts);
    const refusals = results.flatMap((r) => {
      if (r.status === 'fulfilled') return [];
      if (isDomainError(r.reason)) return [r.reason.code];
      throw r.reason;
    });
    const counted = results.filter((r) => r.status === 'fulfilled' && r.value.counted).length;
    return { counted, refusals };
  }

  it('applies the demo codes: percent off, amount off, bonus data', async () => {
    expect(await check(' welcome10 ')).toMatchObject({ code: 'WELCOME10', kind: 'percent_off', discountMinor: 125, bonusDataBytes: 0 });
    expect(await check('WELCOME10', { planCode: 'TW-LOCAL-7D', currency: 'TWD', listPriceMinor: 300 })).toMatchObject({ discountMinor: 30 });
    expect(await check('TRAVEL5')).toMatchObject({ kind: 'amount_off', discountMinor: 500 });
    // The discount never exceeds the price.
    expect(await check('TRAVEL5', { planCode: 'JP-DATA-1D', listPriceMinor: 350 })).toMatchObject({ discountMinor: 350 });
    expect(await check('BONUS1GB')).toMatchObject({ kind: 'bonus_data', discountMinor: 0, bonusDataBytes: GB_BYTES });
  });

  it('refuses a code with its own error code for each reason', async () => {
    const refusal = async (promise: Promise<unknown>) => {
      try {
        await promise;
      } catch (error) {
        if (isDomainError(error)) return error.code;
        throw error;
      }
      return 'accepted';
    };
    expect(await refusal(check('NO-SUCH-CODE'))).toBe('promotions.not_found');
    expect(await refusal(check(''))).toBe('promotions.not_found');
    expect(await refusal(check('SUMMER2025'))).toBe('promotions.expired');
    const later = await define({ startsAtMs: START_MS + DAY_MS });
    expect(await refusal(check(later.code))).toBe('promotions.not_started');
    expect(await refusal(check('TRAVEL5', { planCode: 'HK-LOCAL-30D' }))).toBe('promotions.not_eligible_plan');
    expect(await refusal(check('TRAVEL5', { currency: 'HKD', listPriceMinor: 9800 }))).toBe('promotions.currency_mismatch');
    expect(await refusal(check('WELCOME10', { isFirstOrder: false }))).toBe('promotions.first_order_only');

    const single = await define({ maxTotal: 1 });
    await redeem(single.id, 'cus_B');
    expect(await refusal(check(single.code))).toBe('promotions.used_up');

    const once = await define({ maxPerCustomer: 1 });
    await redeem(once.id, 'cus_A');
    expect(await refusal(check(once.code))).toBe('promotions.customer_limit_reached');
    expect(await refusal(check(once.code, { customerId: 'cus_C' }))).toBe('accepted');
  });

  it('counts exactly max_total redemptions when ten checkouts race for three', async () => {
    const promotion = await define({ maxTotal: 3 });
    const { counted, refusals } = await settle(Array.from({ length: 10 }, (_, i) => redeem(promotion.id, `cus_race_${i}`)));
    expect(counted).toBe(3);
    expect(refusals).toEqual(Array(7).fill('promotions.used_up'));
    expect(await redeemedOf(promotion.code)).toBe(3);
    expect(await rowsOf(promotion.id)).toBe(3);
  });

  it('holds the per-customer limit when one customer checks out several times at once', async () => {
    const promotion = await define({ maxPerCustomer: 1 });
    const { counted, refusals } = await settle(Array.from({ length: 6 }, () => redeem(promotion.id, 'cus_eager')));
    expect(counted).toBe(1);
    expect(refusals).toEqual(Array(5).fill('promotions.customer_limit_reached'));
    expect(await redeemedOf(promotion.code)).toBe(1);
  });

  it('counts an order once, even when it redeems twice or several times at once', async () => {
    const promotion = await define({ maxTotal: 10 });
    const first = await redeem(promotion.id, 'cus_A', 'ord_same');
    const again = await redeem(promotion.id, 'cus_A', 'ord_same');
    expect(first.counted).toBe(true);
    expect(again).toEqual({ ...first, counted: false });

    const { counted, refusals } = await settle(Array.from({ length: 5 }, () => redeem(promotion.id, 'cus_D', 'ord_burst')));
    expect(counted).toBe(1);
    expect(refusals).toEqual([]);
    expect(await redeemedOf(promotion.code)).toBe(2);
    expect(await rowsOf(promotion.id)).toBe(2);
  });

  it('gives a redemption back exactly once, so that another order can use it', async () => {
    const promotion = await define({ maxTotal: 1, maxPerCustomer: 1 });
    await redeem(promotion.id, 'cus_A', 'ord_cancelled');
    await expect(redeem(promotion.id, 'cus_B', 'ord_waiting')).rejects.toMatchObject({ code: 'promotions.used_up' });

    const releases = await Promise.all([release('ord_cancelled'), release('ord_cancelled'), release('ord_cancelled')]);
    expect(releases.filter(Boolean)).toHaveLength(1);
    expect(await release('ord_cancelled')).toBe(false);
    expect(await release('ord_never_redeemed')).toBe(false);
    expect(await redeemedOf(promotion.code)).toBe(0);
    // The customer whose order was cancelled may use the code again, on a new order.
    expect(await check(promotion.code, { customerId: 'cus_A' })).toMatchObject({ promotionId: promotion.id });

    expect((await redeem(promotion.id, 'cus_B', 'ord_waiting')).counted).toBe(true);
    expect(await redeemedOf(promotion.code)).toBe(1);
  });

  it('changes nothing when a redemption is refused inside a checkout that goes on', async () => {
    const promotion = await define({ maxTotal: 1 });
    await inTransaction(getDb().db, async (tx) => {
      await h.catalog.redeemPromotion(tx, { promotionId: promotion.id, customerId: 'cus_A', orderId: 'ord_kept', atMs: START_MS });
      await expect(h.catalog.redeemPromotion(tx, { promotionId: promotion.id, customerId: 'cus_B', orderId: 'ord_refused', atMs: START_MS }))
        .rejects.toMatchObject({ code: 'promotions.used_up' });
    });
    expect(await redeemedOf(promotion.code)).toBe(1);
    expect(await rowsOf(promotion.id)).toBe(1);
  });

  it('refuses a redemption once the promotion has ended, or before it starts', async () => {
    const promotion = await define({ startsAtMs: START_MS + HOUR_MS, endsAtMs: START_MS + 2 * HOUR_MS });
    await expect(redeem(promotion.id, 'cus_A')).rejects.toMatchObject({ code: 'promotions.not_started' });
    h.clock.set(START_MS + 2 * HOUR_MS);
    await expect(redeem(promotion.id, 'cus_A')).rejects.toMatchObject({ code: 'promotions.expired' });
    expect(await redeemedOf(promotion.code)).toBe(0);
  });

  it('keeps promotion codes unique', async () => {
    await expect(define({ code: 'WELCOME10' })).rejects.toMatchObject({ code: 'promotions.code_taken' });
  });
});
