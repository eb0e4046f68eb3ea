import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import PDFDocument from 'pdfkit';
import { formatMoney, type Currency } from '../../platform/money.js';
import type { Language } from '../../platform/i18n.js';

const require = createRequire(import.meta.url);

/** Noto Sans in Simplified and Traditional Chinese (they carry Latin too), from npm packages. */
const FONT_FILES: Readonly<Record<Language, string>> = {
  en: join(dirname(require.resolve('@embedpdf/fonts-sc')), '../fonts/NotoSansHans-Regular.otf'),
  'zh-CN': join(dirname(require.resolve('@embedpdf/fonts-sc')), '../fonts/NotoSansHans-Regular.otf'),
  'zh-TW': join(dirname(require.resolve('@embedpdf/fonts-tc')), '../fonts/NotoSansHant-Regular.otf'),
};

const LABELS = {
  en: {
    title: 'Receipt', number: 'Receipt number', date: 'Date', customer: 'Customer', item: 'Item', period: 'Period covered',
    price: 'Price', discount: 'Discount', fees: 'Shipping', total: 'Total paid', tax: 'of which tax', status: 'Status',
    line: 'Line', thanks: 'Thank you for travelling with Roamline.', kinds: { renewal: 'Renewal', topup: 'Top-up', new_sim: 'New SIM' },
  },
  'zh-CN': {
    title: '收据', number: '收据编号', date: '日期', customer: '客户', item: '项目', period: '服务期间',
    price: '价格', discount: '优惠', fees: '运费', total: '实付金额', tax: '其中税额', status: '状态',
    line: '号码', thanks: '感谢您选择 Roamline，祝旅途愉快。', kinds: { renewal: '续费', topup: '加购', new_sim: '新 SIM 卡' },
  },
  'zh-TW': {
    title: '收據', number: '收據編號', date: '日期', customer: '客戶', item: '項目', period: '服務期間',
    price: '價格', discount: '優惠', fees: '運費', total: '實付金額', tax: '其中稅額', status: '狀態',
    line: '門號', thanks: '感謝您選擇 Roamline，祝旅途愉快。', kinds: { renewal: '續約', topup: '加購', new_sim: '新 SIM 卡' },
  },
} as const;

export interface ReceiptData {
  readonly orderId: string;
  readonly language: Language;
  readonly kind: 'renewal' | 'topup' | 'new_sim';
  readonly planName: string;
  readonly customer: string;
  readonly msisdn: string | null;
  readonly currency: Currency;
  readonly listPriceMinor: number;
  readonly discountMinor: number;
  readonly promotionCode: string | null;
  readonly feesMinor: number;
  readonly totalMinor: number;
  readonly taxMinor: number;
  readonly taxRateBasisPoints: number;
  readonly taxCountry: string;
  readonly periodStartsAtMs: number | null;
  readonly periodEndsAtMs: number | null;
  readonly paidAtMs: number;
  readonly status: string;
}

/** Renders a receipt as a PDF in the customer's language, with the tax contained in the total. */
export async function renderReceipt(data: ReceiptData): Promise<Buffer> {
  const l = LABELS[data.language];
  const locale = data.language;
  const money = (minor: number): string => formatMoney({ amountMinor: minor, currency: data.currency }, locale);
  const date = (ms: number): string => new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' }).format(ms) + ' UTC';
  const doc = new PDFDocument({ size: 'A4', margin: 56, info: { Title: `${l.title} ${data.orderId}`, Author: 'Roamline' } });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<void>((resolve) => doc.on('end', () => resolve()));
  doc.registerFont('body', FONT_FILES[data.language]);
  doc.font('body');

  doc.fontSize(22).fillColor('#0b5cad').text(`Roamline  ${l.title}`);
  doc.moveDown(0.5).fontSize(10).fillColor('#333333');
  const row = (label: string, value: string): void => {
    const y = doc.y;
    doc.text(label, 56, y, { width: 200 });
    doc.text(value, 260, y, { width: 280, align: 'right' });
    doc.moveDown(0.3);
  };
  row(l.number, data.orderId);
  row(l.date, date(data.paidAtMs));
  row(l.customer, data.customer);
  if (data.msisdn !== null) row(l.line, data.msisdn);
  row(l.status, data.status);
  doc.moveDown(0.8).fontSize(12).fillColor('#000000');
  row(l.item, `${l.kinds[data.kind]} · ${data.planName}`);
  if (data.periodStartsAtMs !== null && data.periodEndsAtMs !== null) {
    row(l.period, `${date(data.periodStartsAtMs)} – ${date(data.periodEndsAtMs)}`);
  }
  row(l.price, money(data.listPriceMinor));
  if (data.discountMinor > 0) row(`${l.discount}${data.promotionCode === null ? '' : ` (${data.promotionCode})`}`, `−${money(data.discountMinor)}`);
  if (data.feesMinor > 0) row(l.fees, money(data.feesMinor));
  doc.moveDown(0.3).fontSize(14);
  row(l.total, money(data.totalMinor));
  doc.fontSize(10);
  const rate = `${(data.taxRateBasisPoints / 100).toLocaleString(locale)} %`;
  row(`${l.tax} (${data.taxCountry} ${rate})`, money(data.taxMinor));
  doc.moveDown(2).fillColor('#555555').text(l.thanks);
  doc.end();
  await done;
  return Buffer.concat(chunks);
}
