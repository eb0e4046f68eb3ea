import { isDomainError } from '../../platform/errors.js';
import type { Localized } from '../../platform/i18n.js';
import { GB_BYTES } from '../../platform/money.js';
import { DEMO_PLANS, DEMO_SINCE_MS } from './catalog.demo-plans.js';
import type { ZoneDefinition } from './catalog.definitions.js';
import type { PlansService } from './catalog.service.js';
import type { PromotionDefinition } from './promotions.js';
import type { PromotionsService } from './promotions.service.js';

const t = (en: string, zhCN: string, zhTW: string): Localized => ({ en, 'zh-CN': zhCN, 'zh-TW': zhTW });
const codes = (list: string): string[] => list.trim().split(/\s+/);

const EUROPE = codes('AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE GB CH NO IS LI');
const APAC = codes('AU CN HK ID JP KH KR MO MY NZ PH SG TH TW VN');
const GLOBAL = [...new Set([
  ...EUROPE, ...APAC,
  ...codes('US CA MX BR AR CL CO PE EC UY PA CR GT DO PR JM'),
  ...codes('AE SA QA KW BH OM JO IL TR EG MA TN ZA KE TZ NG GH MU'),
  ...codes('IN LK NP BD PK KZ UZ GE AM AZ MN LA FJ'),
  ...codes('RS ME MK BA AL UA MD MC SM AD'),
])];

export const DEMO_ZONES: readonly ZoneDefinition[] = [
  { code: 'HK', names: t('Hong Kong', '中国香港', '香港'), countries: ['HK'], sortOrder: 10 },
  { code: 'TW', names: t('Taiwan', '中国台湾', '台灣'), countries: ['TW'], sortOrder: 20 },
  { code: 'JP', names: t('Japan', '日本', '日本'), countries: ['JP'], sortOrder: 30 },
  { code: 'CN_HK_MO', names: t('Mainland China, Hong Kong & Macao', '中国内地及港澳', '中國大陸及港澳'), countries: ['CN', 'HK', 'MO'], sortOrder: 40 },
  { code: 'APAC', names: t('Asia-Pacific (15 destinations)', '亚太（15 个国家和地区）', '亞太（15 個國家及地區）'), countries: APAC, sortOrder: 50 },
  { code: 'EUROPE', names: t('Europe (32 countries)', '欧洲（32 国）', '歐洲（32 國）'), countries: EUROPE, sortOrder: 60 },
  { code: 'GLOBAL', names: t('Worldwide', '全球', '全球'), countries: GLOBAL, sortOrder: 70 },
];

const ROAMING_BASE_PLANS = ['JP-DATA-1D', 'JP-DATA-7D', 'JP-SNOW-15D', 'CNHKMO-DATA-15D', 'EU-COMBO-15D', 'EU-DATA-30D', 'APAC-DATA-7D', 'APAC-COMBO-30D', 'GLOBAL-DATA-30D'];

export const DEMO_PROMOTIONS: readonly PromotionDefinition[] = [
  {
    code: 'WELCOME10', benefit: { kind: 'percent_off', percentOffBasisPoints: 1000 },
    startsAtMs: DEMO_SINCE_MS, endsAtMs: null, maxTotal: null, maxPerCustomer: 1, eligiblePlanCodes: null, firstOrderOnly: true,
    texts: {
      name: t('10% off your first plan', '首单享 9 折', '首筆訂單享 9 折'),
      description: t('New customers get 10% off their first order.', '新用户首次下单可享 9 折优惠。', '新客戶首次下單可享 9 折優惠。'),
    },
  },
  {
    code: 'TRAVEL5', benefit: { kind: 'amount_off', amountOffMinor: 500, currency: 'USD' },
    startsAtMs: Date.UTC(2026, 0, 1), endsAtMs: Date.UTC(2027, 0, 1), maxTotal: 5000, maxPerCustomer: 1,
    eligiblePlanCodes: ROAMING_BASE_PLANS, firstOrderOnly: false,
    texts: {
      name: t('US$5 off a travel plan', '旅行套餐立减 5 美元', '旅遊方案折抵 5 美元'),
      description: t('US$5 off one roaming plan paid in US dollars, once per customer.', '以美元支付的漫游套餐立减 5 美元，每人限用一次。', '以美元付款的漫遊方案折抵 5 美元，每人限用一次。'),
    },
  },
  {
    code: 'BONUS1GB', benefit: { kind: 'bonus_data', bonusDataBytes: GB_BYTES },
    startsAtMs: Date.UTC(2026, 5, 1), endsAtMs: Date.UTC(2027, 5, 1), maxTotal: 1000, maxPerCustomer: 2,
    eligiblePlanCodes: ['JP-DATA-7D', 'JP-SNOW-15D', 'APAC-DATA-7D', 'APAC-COMBO-30D'], firstOrderOnly: false,
    texts: {
      name: t('1 GB bonus data', '加送 1GB 流量', '加贈 1GB 上網流量'),
      description: t('Get 1 GB extra with selected Japan and Asia-Pacific plans.', '购买指定日本及亚太套餐，额外赠送 1GB 流量。', '購買指定日本及亞太方案，額外加贈 1GB 上網流量。'),
    },
  },
  {
    code: 'SUMMER2025', benefit: { kind: 'percent_off', percentOffBasisPoints: 1500 },
    startsAtMs: Date.UTC(2025, 5, 1), endsAtMs: Date.UTC(2025, 8, 1), maxTotal: null, maxPerCustomer: 1, eligiblePlanCodes: null, firstOrderOnly: false,
    texts: {
      name: t('Summer 2025: 15% off', '2025 夏季 85 折', '2025 夏日 85 折'),
      description: t('15% off any plan in summer 2025 (ended).', '2025 年夏季全场套餐 85 折（已结束）。', '2025 年夏季全館方案 85 折（已結束）。'),
    },
  },
];

export interface DemoCatalogSeeded {
  readonly zonesCreated: number;
  readonly plansCreated: number;
  readonly promotionsCreated: number;
}

/** Runs `create` and reports whether it created something; "already exists" is not a failure. */
async function created(create: () => Promise<unknown>): Promise<boolean> {
  try {
    await create();
    return true;
  } catch (error) {
    if (isDomainError(error) && (error.code === 'catalog.code_taken' || error.code === 'promotions.code_taken')) return false;
    throw error;
  }
}

/** Creates the demo zones, plans, add-ons and promotions that do not exist yet (idempotent). */
export async function seedDemoCatalog(plans: PlansService, promotions: PromotionsService): Promise<DemoCatalogSeeded> {
  let zonesCreated = 0;
  let plansCreated = 0;
  let promotionsCreated = 0;
  for (const zone of DEMO_ZONES) if (await created(() => plans.defineZone(zone))) zonesCreated += 1;
  for (const plan of DEMO_PLANS) if (await created(() => plans.definePlan(plan))) plansCreated += 1;
  for (const promotion of DEMO_PROMOTIONS) if (await created(() => promotions.definePromotion(promotion))) promotionsCreated += 1;
  return { zonesCreated, plansCreated, promotionsCreated };
}
