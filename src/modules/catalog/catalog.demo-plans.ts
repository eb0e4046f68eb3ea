import type { Localized } from '../../platform/i18n.js';
import { GB_BYTES, MB_BYTES, type Currency, type Money } from '../../platform/money.js';
import type { Overage, OveragePolicy, PlanTexts } from './catalog.js';
import type { PlanDefinition } from './catalog.definitions.js';

/**
 * The demo catalog's plans: local and roaming; 1, 7, 15 and 30 days; data only and data + minutes +
 * SMS; overage rated or "stops when used up"; prices in CNY, HKD, TWD, USD, EUR and GBP (tax
 * included, minor units: TWD has none). Figures are plausible retail prices, not anyone's tariff.
 */

export const DEMO_SINCE_MS = Date.UTC(2025, 0, 1);

const t = (en: string, zhCN: string, zhTW: string): Localized => ({ en, 'zh-CN': zhCN, 'zh-TW': zhTW });

function prices(amounts: Partial<Record<Currency, number>>): Money[] {
  return Object.entries(amounts).map(([currency, amountMinor]) => ({ currency: currency as Currency, amountMinor: amountMinor ?? 0 }));
}

const BLOCKED: OveragePolicy = { mode: 'blocked' };
const ALL_BLOCKED: Overage = { data: BLOCKED, voice: BLOCKED, sms: BLOCKED };
const MINUTE_S = 60;

function rated(incrementUnits: number, zoneCode: string, amounts: Partial<Record<Currency, number>>): OveragePolicy {
  return { mode: 'rated', incrementUnits, rates: [{ zoneCode, prices: prices(amounts) }] };
}

/** Joins sentences per language (Chinese sentences carry their own full stops, no spaces). */
function sentences(parts: readonly Localized[]): Localized {
  return {
    en: parts.map((p) => p.en).join(' '),
    'zh-CN': parts.map((p) => p['zh-CN']).join(''),
    'zh-TW': parts.map((p) => p['zh-TW']).join(''),
  };
}

const TERMS = {
  validity: (days: number) => t(`Valid for ${days} ${days === 1 ? 'day' : 'days'} from activation.`, `自激活起 ${days} 天内有效。`, `自開通起 ${days} 天內有效。`),
  dataOnly: t('Data only: no calls or SMS.', '纯流量套餐，不含通话和短信。', '純上網方案，不含通話及簡訊。'),
  dataBlocked: t('Data stops when the allowance is used up; buy a top-up or renew to continue.', '流量用完即停止上网，可加购流量包或续订后继续使用。', '流量用完即停止上網，可加購流量包或續訂後繼續使用。'),
  dataRated: t('Data beyond the allowance is charged per MB at the rate shown.', '超出套餐的流量按所示资费每 MB 计费。', '超出方案的流量依所示費率每 MB 計費。'),
  voiceRated: t('Calls beyond the allowance are charged per started minute at the rate shown.', '超出套餐的通话按所示资费每分钟计费，不足一分钟按一分钟计。', '超出方案的通話依所示費率每分鐘計費，未滿一分鐘以一分鐘計。'),
  smsRated: t('SMS beyond the allowance are charged per message.', '超出套餐的短信按条计费。', '超出方案的簡訊按則計費。'),
  fromBalance: t('Charges come from your balance; when it runs out, the service stops until you top up.', '费用从余额中扣除，余额用完后暂停服务，充值后恢复。', '費用從餘額扣除，餘額用完即暫停服務，儲值後恢復。'),
  fairUse: t('Speeds may be reduced when the network is congested. Hotspot sharing is allowed.', '网络拥堵时可能降速。支持热点共享。', '網路壅塞時可能降速。可使用熱點分享。'),
  autoRenew: t('You can turn on auto-renew to renew before it expires.', '可开启自动续订，在到期前自动续期。', '可開啟自動續訂，於到期前自動續約。'),
  noRefund: t('Not refundable once activated.', '激活后不予退款。', '開通後恕不退款。'),
  addon: t('Adds to your current plan and ends with its current period.', '叠加到当前套餐，随当前套餐周期一同到期。', '加入目前的方案，與該方案本期同時到期。'),
};

interface BaseInput {
  readonly code: string;
  readonly scope: 'local' | 'roaming';
  readonly zoneCode: string;
  readonly days: number;
  readonly dataGb: number;
  readonly minutes?: number;
  readonly sms?: number;
  readonly name: Localized;
  readonly description: Localized;
  readonly overage: Overage;
  readonly autoRenewable: boolean;
  readonly prices: Partial<Record<Currency, number>>;
  readonly availableFromMs?: number;
  readonly availableUntilMs?: number;
}

function termsFor(input: BaseInput): Localized {
  const parts = [TERMS.validity(input.days)];
  const dataOnly = (input.minutes ?? 0) === 0 && (input.sms ?? 0) === 0;
  if (dataOnly) parts.push(TERMS.dataOnly);
  parts.push(input.overage.data.mode === 'blocked' ? TERMS.dataBlocked : TERMS.dataRated);
  if (input.overage.voice.mode === 'rated') parts.push(TERMS.voiceRated);
  if (input.overage.sms.mode === 'rated') parts.push(TERMS.smsRated);
  const anyRated = Object.values(input.overage).some((p) => p.mode === 'rated');
  if (anyRated) parts.push(TERMS.fromBalance);
  parts.push(TERMS.fairUse);
  if (input.autoRenewable) parts.push(TERMS.autoRenew);
  parts.push(TERMS.noRefund);
  return sentences(parts);
}

function base(input: BaseInput, sortOrder: number): PlanDefinition {
  const texts: PlanTexts = { name: input.name, description: input.description, terms: termsFor(input) };
  return {
    code: input.code, kind: 'base', scope: input.scope, zoneCode: input.zoneCode, validityDays: input.days,
    allowances: { dataBytes: input.dataGb * GB_BYTES, voiceSeconds: (input.minutes ?? 0) * MINUTE_S, smsCount: input.sms ?? 0 },
    texts, overage: input.overage, autoRenewable: input.autoRenewable, prices: prices(input.prices),
    availableFromMs: input.availableFromMs ?? DEMO_SINCE_MS, availableUntilMs: input.availableUntilMs ?? null,
    pricesEffectiveAtMs: DEMO_SINCE_MS, sortOrder,
  };
}

const BASE_PLANS: readonly BaseInput[] = [
  {
    code: 'HK-LOCAL-30D', scope: 'local', zoneCode: 'HK', days: 30, dataGb: 20, minutes: 1000, sms: 100, autoRenewable: true,
    name: t('Hong Kong Local 30 Days', '香港本地 30 天套餐', '香港本地 30 天方案'),
    description: t('20 GB of 5G data, 1,000 local minutes and 100 SMS for 30 days in Hong Kong.',
      '30 天香港本地 5G 流量 20GB，含 1000 分钟本地通话和 100 条短信。',
      '30 天香港本地 5G 上網 20GB，含 1,000 分鐘本地通話及 100 則簡訊。'),
    overage: {
      data: rated(MB_BYTES, 'HK', { HKD: 10, CNY: 9, USD: 1 }),
      voice: rated(MINUTE_S, 'HK', { HKD: 25, CNY: 23, USD: 4 }),
      sms: rated(1, 'HK', { HKD: 50, CNY: 45, USD: 7 }),
    },
    prices: { HKD: 9800, CNY: 8800, USD: 1250 },
  },
  {
    code: 'TW-LOCAL-7D', scope: 'local', zoneCode: 'TW', days: 7, dataGb: 10, minutes: 50, sms: 10, autoRenewable: false,
    name: t('Taiwan Local 7 Days', '台湾本地 7 天套餐', '台灣在地 7 天方案'),
    description: t('10 GB of 5G/4G data, 50 minutes of calls within Taiwan and 10 SMS for 7 days.',
      '7 天台湾本地 5G/4G 流量 10GB，含 50 分钟台湾本地通话和 10 条短信。',
      '7 天台灣 5G/4G 上網 10GB，含 50 分鐘台灣境內通話及 10 則簡訊。'),
    overage: { data: BLOCKED, voice: rated(MINUTE_S, 'TW', { TWD: 6, USD: 20, HKD: 150 }), sms: rated(1, 'TW', { TWD: 3, USD: 10, HKD: 80 }) },
    prices: { TWD: 300, USD: 990, HKD: 7800 },
  },
  {
    code: 'JP-DATA-1D', scope: 'roaming', zoneCode: 'JP', days: 1, dataGb: 1, autoRenewable: false, overage: ALL_BLOCKED,
    name: t('Japan 1 Day 1 GB', '日本 1 天 1GB 流量包', '日本 1 天 1GB 上網'),
    description: t('1 GB of 5G/4G data in Japan for 24 hours, for a day trip or a layover.',
      '日本 24 小时 1GB 高速流量，适合一日游或转机。', '日本 24 小時 1GB 高速上網，適合一日遊或轉機。'),
    prices: { HKD: 2800, CNY: 2500, TWD: 120, USD: 350 },
  },
  {
    code: 'JP-DATA-7D', scope: 'roaming', zoneCode: 'JP', days: 7, dataGb: 5, autoRenewable: false, overage: ALL_BLOCKED,
    name: t('Japan 7 Days 5 GB', '日本 7 天 5GB 流量包', '日本 7 天 5GB 上網'),
    description: t('5 GB of 5G/4G data across Japan for a week, from Hokkaido to Okinawa.',
      '日本全境 7 天 5GB 高速流量，从北海道到冲绳都能用。', '日本全境 7 天 5GB 高速上網，從北海道到沖繩都能用。'),
    prices: { HKD: 9800, CNY: 8800, TWD: 390, USD: 1250, GBP: 990, EUR: 1150 },
  },
  {
    code: 'JP-SNOW-15D', scope: 'roaming', zoneCode: 'JP', days: 15, dataGb: 15, autoRenewable: false, overage: ALL_BLOCKED,
    availableFromMs: Date.UTC(2026, 11, 1), availableUntilMs: Date.UTC(2027, 3, 1),
    name: t('Japan Ski Season 15 Days 15 GB', '日本滑雪季 15 天 15GB 流量包', '日本滑雪季 15 天 15GB 上網'),
    description: t('15 GB for 15 days in Japan, sold for the ski season only (December to March).',
      '日本 15 天 15GB 流量，仅在滑雪季（12 月至次年 3 月）发售。', '日本 15 天 15GB 上網，僅於滑雪季（12 月至隔年 3 月）販售。'),
    prices: { HKD: 14800, CNY: 13800, TWD: 590, USD: 1890 },
  },
  {
    code: 'CNHKMO-DATA-15D', scope: 'roaming', zoneCode: 'CN_HK_MO', days: 15, dataGb: 8, autoRenewable: false,
    overage: { data: rated(MB_BYTES, 'CN_HK_MO', { TWD: 1, USD: 2, HKD: 15 }), voice: BLOCKED, sms: BLOCKED },
    name: t('Mainland China, Hong Kong & Macao 15 Days 8 GB', '中国内地及港澳 15 天 8GB 流量包', '中國大陸及港澳 15 天 8GB 上網'),
    description: t('8 GB of data for 15 days across mainland China, Hong Kong and Macao: one plan for the whole trip.',
      '15 天内在中国内地、香港和澳门共用 8GB 流量，一个套餐走遍三地。',
      '15 天內在中國大陸、香港及澳門共用 8GB 上網流量，一個方案暢遊三地。'),
    prices: { TWD: 450, USD: 1590, HKD: 12800 },
  },
  {
    code: 'EU-COMBO-15D', scope: 'roaming', zoneCode: 'EUROPE', days: 15, dataGb: 12, minutes: 100, sms: 50, autoRenewable: true,
    name: t('Europe 15 Days 12 GB + Calls', '欧洲 15 天 12GB 流量 + 通话', '歐洲 15 天 12GB 上網 + 通話'),
    description: t('12 GB of data, 100 minutes and 50 SMS for 15 days in 32 European countries, the UK and Switzerland included. Call and text numbers in those countries or back home.',
      '15 天畅游欧洲 32 国（含英国和瑞士）：12GB 流量、100 分钟通话和 50 条短信，可拨打当地号码或打回国内。',
      '15 天暢遊歐洲 32 國（含英國及瑞士）：12GB 上網、100 分鐘通話及 50 則簡訊，可撥打當地號碼或打回家。'),
    overage: {
      data: rated(MB_BYTES, 'EUROPE', { EUR: 1, GBP: 1, USD: 1, CNY: 8, HKD: 9 }),
      voice: rated(MINUTE_S, 'EUROPE', { EUR: 25, GBP: 22, USD: 27, CNY: 200, HKD: 220 }),
      sms: rated(1, 'EUROPE', { EUR: 15, GBP: 13, USD: 16, CNY: 120, HKD: 130 }),
    },
    prices: { EUR: 2900, GBP: 2500, USD: 3200, CNY: 22800, HKD: 24800 },
  },
  {
    code: 'EU-DATA-30D', scope: 'roaming', zoneCode: 'EUROPE', days: 30, dataGb: 30, autoRenewable: true, overage: ALL_BLOCKED,
    name: t('Europe 30 Days 30 GB', '欧洲 30 天 30GB 流量包', '歐洲 30 天 30GB 上網'),
    description: t('30 GB of data for a month in 32 European countries, for long stays, study trips or work.',
      '欧洲 32 国 30 天 30GB 流量，适合长住、游学或出差。', '歐洲 32 國 30 天 30GB 上網，適合長住、遊學或出差。'),
    prices: { EUR: 3900, GBP: 3400, USD: 4300, CNY: 29800 },
  },
  {
    code: 'APAC-DATA-7D', scope: 'roaming', zoneCode: 'APAC', days: 7, dataGb: 3, autoRenewable: false,
    overage: { data: rated(MB_BYTES, 'APAC', { CNY: 7, HKD: 8, TWD: 1, USD: 1 }), voice: BLOCKED, sms: BLOCKED },
    name: t('Asia-Pacific 7 Days 3 GB', '亚太 7 天 3GB 流量包', '亞太 7 天 3GB 上網'),
    description: t('3 GB of data for a week in 15 Asia-Pacific destinations, from Japan and Korea to Australia and New Zealand.',
      '亚太 15 个国家和地区 7 天 3GB 流量，日韩、东南亚到澳新一卡通用。',
      '亞太 15 個國家及地區 7 天 3GB 上網，日韓、東南亞到紐澳一卡通用。'),
    prices: { CNY: 6800, HKD: 7800, TWD: 320, USD: 990 },
  },
  {
    code: 'APAC-COMBO-30D', scope: 'roaming', zoneCode: 'APAC', days: 30, dataGb: 15, minutes: 300, sms: 100, autoRenewable: true,
    name: t('Asia-Pacific 30 Days 15 GB + Calls', '亚太 30 天 15GB 流量 + 通话', '亞太 30 天 15GB 上網 + 通話'),
    description: t('15 GB of data, 300 minutes and 100 SMS for 30 days in 15 Asia-Pacific destinations, for frequent travellers in the region.',
      '亚太 15 个国家和地区 30 天 15GB 流量、300 分钟通话和 100 条短信，适合常在亚太出行的旅客。',
      '亞太 15 個國家及地區 30 天 15GB 上網、300 分鐘通話及 100 則簡訊，適合經常往返亞太的旅客。'),
    overage: {
      data: BLOCKED,
      voice: rated(MINUTE_S, 'APAC', { HKD: 300, CNY: 250, TWD: 12, USD: 39 }),
      sms: rated(1, 'APAC', { HKD: 200, CNY: 150, TWD: 8, USD: 25 }),
    },
    prices: { HKD: 26800, CNY: 23800, TWD: 1090, USD: 3490 },
  },
  {
    code: 'GLOBAL-DATA-30D', scope: 'roaming', zoneCode: 'GLOBAL', days: 30, dataGb: 5, autoRenewable: true, overage: ALL_BLOCKED,
    name: t('Worldwide 30 Days 5 GB', '全球 30 天 5GB 流量包', '全球 30 天 5GB 上網'),
    description: t('5 GB of data for 30 days in over 100 countries: one eSIM for a multi-country trip.',
      '覆盖 100 多个国家和地区，30 天 5GB 流量，一张 eSIM 搞定多国行程。',
      '涵蓋 100 多個國家及地區，30 天 5GB 上網，一張 eSIM 搞定多國行程。'),
    prices: { USD: 3900, EUR: 3600, GBP: 3100, CNY: 27800, HKD: 29800, TWD: 1190 },
  },
];

function addon(code: string, zoneCode: string, dataGb: number, addonFor: readonly string[], name: Localized, description: Localized, amounts: Partial<Record<Currency, number>>, sortOrder: number): PlanDefinition {
  return {
    code, kind: 'addon', scope: 'roaming', zoneCode, validityDays: null,
    allowances: { dataBytes: dataGb * GB_BYTES, voiceSeconds: 0, smsCount: 0 },
    texts: { name, description, terms: sentences([TERMS.addon, TERMS.fairUse, TERMS.noRefund]) },
    overage: null, autoRenewable: false, addonFor, prices: prices(amounts),
    availableFromMs: DEMO_SINCE_MS, pricesEffectiveAtMs: DEMO_SINCE_MS, sortOrder,
  };
}

const ADDONS: readonly PlanDefinition[] = [
  addon('TOPUP-DATA-1GB-ASIA', 'APAC', 1, ['JP-DATA-1D', 'JP-DATA-7D', 'JP-SNOW-15D', 'CNHKMO-DATA-15D', 'APAC-DATA-7D', 'APAC-COMBO-30D'],
    t('1 GB Data Top-up (Asia)', '1GB 流量加油包（亚洲）', '1GB 上網加量包（亞洲）'),
    t('Adds 1 GB to your current Japan, China or Asia-Pacific plan.', '为当前的日本、中国或亚太套餐增加 1GB 流量。', '為目前的日本、中國或亞太方案加量 1GB。'),
    { HKD: 3800, CNY: 3500, TWD: 150, USD: 490 }, 200),
  addon('TOPUP-DATA-3GB-EU', 'EUROPE', 3, ['EU-COMBO-15D', 'EU-DATA-30D'],
    t('3 GB Data Top-up (Europe)', '3GB 流量加油包（欧洲）', '3GB 上網加量包（歐洲）'),
    t('Adds 3 GB to your current Europe plan.', '为当前的欧洲套餐增加 3GB 流量。', '為目前的歐洲方案加量 3GB。'),
    { EUR: 900, GBP: 790, USD: 990, CNY: 6800, HKD: 7800 }, 210),
];

/** Base plans first (add-ons name them), in the order the portal lists them. */
export const DEMO_PLANS: readonly PlanDefinition[] = [...BASE_PLANS.map((input, i) => base(input, 10 + i * 10)), ...ADDONS];
