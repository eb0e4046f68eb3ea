import { isLanguage, type Language } from '../../../platform/i18n.js';
import { formatMoney } from '../../../platform/money.js';
import type { SandboxChargeRow } from './sandbox.repository.js';

const WORDS = {
  en: {
    title: 'Sandbox bank — confirm your payment',
    heading: 'Confirm your payment',
    intro: 'Your bank asks you to confirm this card payment to Roamline.',
    amount: 'Amount',
    note: 'This is the Roamline sandbox: no real bank and no real money are involved.',
    approve: 'Approve',
    decline: 'Decline',
    closed: 'This payment no longer waits for your confirmation.',
    back: 'Back to Roamline',
  },
  'zh-CN': {
    title: '沙盒银行 — 确认付款',
    heading: '确认付款',
    intro: '您的银行请您确认这笔向 Roamline 的银行卡付款。',
    amount: '金额',
    note: '这是 Roamline 沙盒环境：不涉及真实银行，也不会产生真实扣款。',
    approve: '确认',
    decline: '拒绝',
    closed: '这笔付款已不再等待您的确认。',
    back: '返回 Roamline',
  },
  'zh-TW': {
    title: '沙盒銀行 — 確認付款',
    heading: '確認付款',
    intro: '您的銀行請您確認這筆向 Roamline 的信用卡付款。',
    amount: '金額',
    note: '這是 Roamline 沙盒環境：不涉及真實銀行，也不會產生真實扣款。',
    approve: '確認',
    decline: '拒絕',
    closed: '這筆付款已不再等待您的確認。',
    back: '返回 Roamline',
  },
} as const satisfies Record<Language, Record<string, string>>;

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function pageLanguage(lang: string | undefined, fallback: string): Language {
  if (lang !== undefined && isLanguage(lang)) return lang;
  return isLanguage(fallback) ? fallback : 'en';
}

/**
 * The bank's 3-D Secure page of the sandbox: Approve / Decline post a plain form (no script), so
 * it works with the portal's content security policy and without JavaScript.
 */
export function renderActionPage(charge: SandboxChargeRow, language: Language): string {
  const w = WORDS[language];
  const amount = formatMoney({ amountMinor: charge.amount_minor, currency: charge.currency }, language);
  const waiting = charge.status === 'requires_action';
  const action = `/api/v1/sandbox/3ds/${encodeURIComponent(charge.id)}/complete`;
  const body = waiting
    ? `<p>${escapeHtml(w.intro)}</p>
      <p class="amount">${escapeHtml(w.amount)}: <strong>${escapeHtml(amount)}</strong></p>
      <form method="post" action="${escapeHtml(action)}">
        <button type="submit" name="decision" value="approve">${escapeHtml(w.approve)}</button>
        <button type="submit" name="decision" value="decline" class="secondary">${escapeHtml(w.decline)}</button>
      </form>`
    : `<p>${escapeHtml(w.closed)}</p><p><a href="${escapeHtml(charge.return_url)}">${escapeHtml(w.back)}</a></p>`;
  return `<!doctype html>
<html lang="${language}">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${escapeHtml(w.title)}</title>
  <style>
    body { font-family: system-ui, sans-serif; max-width: 28rem; margin: 3rem auto; padding: 0 1rem; color: #1a1a1a; }
    .amount { font-size: 1.25rem; }
    .note { color: #666; font-size: 0.875rem; }
    button { font-size: 1rem; padding: 0.6rem 1.4rem; margin-right: 0.5rem; border: 0; border-radius: 0.4rem; background: #0b5fff; color: #fff; cursor: pointer; }
    button.secondary { background: #e3e3e3; color: #1a1a1a; }
  </style>
</head>
<body>
  <h1>${escapeHtml(w.heading)}</h1>
  ${body}
  <p class="note">${escapeHtml(w.note)}</p>
</body>
</html>`;
}
