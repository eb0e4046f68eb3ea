import { z } from 'zod';
import { PRICE_RISE_NOTICE_DAYS } from './catalog.js';
import type { PriceChange } from './price-changes.service.js';

const instant = () => z.iso.datetime({ offset: true });

export const PriceChangeBody = z.object({
  currency: z.string().trim().min(1).max(16).describe('ISO 4217 currency of the new price, e.g. HKD'),
  amountMinor: z.number().int().positive().max(Number.MAX_SAFE_INTEGER)
    .describe('The new price, tax included, as a whole number of minor units (TWD and JPY have none)'),
  effectiveAt: instant().describe('From when new orders pay the new price (not in the past)'),
  subscriberEffectiveAt: instant().optional().describe(
    `From when existing subscribers pay it (default: \`effectiveAt\`); a rise needs ${PRICE_RISE_NOTICE_DAYS} days of notice `
    + '(422 `catalog.price_notice_too_short`). Subscribers are told by e-mail and/or SMS.',
  ),
}).strict();

export const RetirePlanBody = z.object({
  retireAt: instant().optional().describe('From when the plan can no longer be ordered (default: now; not in the past)'),
}).strict();

export const PriceChangeView = z.object({
  id: z.string(),
  planCode: z.string(),
  effectiveAt: z.string().describe('New orders pay the new prices from then'),
  subscriberEffectiveAt: z.string().describe('Existing subscribers pay them from then (the date in the notice)'),
  subscribersAffected: z.boolean().describe('Existing subscribers will pay a different price, so they are told'),
  prices: z.array(z.object({ currency: z.string(), amountMinor: z.number().int() })),
  customersTold: z.number().int().describe('Customers told so far (the notices go out by a background job)'),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
});

export const PriceChangeListReply = z.object({ planCode: z.string(), priceChanges: z.array(PriceChangeView) });

const iso = (ms: number): string => new Date(ms).toISOString();

export function toPriceChangeView(change: PriceChange): z.infer<typeof PriceChangeView> {
  return {
    id: change.id, planCode: change.planCode, effectiveAt: iso(change.effectiveAtMs), subscriberEffectiveAt: iso(change.subscriberEffectiveAtMs),
    subscribersAffected: change.subscribersAffected, prices: change.prices.map((p) => ({ currency: p.currency, amountMinor: p.amountMinor })),
    customersTold: change.customersTold, createdBy: change.createdBy, createdAt: iso(change.createdAtMs),
  };
}
