import { describe, expect, it } from 'vitest';
import { LANGUAGES } from '../../platform/i18n.js';
import { canMove, CHANNELS, DELIVERY_STATUSES } from './notifications.js';
import { escapeHtml, renderMessage } from './notifications.render.js';
import { TEMPLATE_NAMES, TEMPLATES, templateOf, type TemplateName } from './notifications.templates.js';
import { isGsm7 } from './channels/sms-encoding.js';

const PUBLIC_URL = 'https://roamline.example';

/** A plausible value for each documented parameter. */
function sampleParams(name: TemplateName): Record<string, string> {
  return Object.fromEntries(templateOf(name).params.map((key) => [key, key.endsWith('Url') || key === 'url' ? `${PUBLIC_URL}/${key}` : `<${key}&"x">`]));
}

const PLACEHOLDER = /\{\w+\}/;

describe('templates', () => {
  it('include the names the renewal engine uses, with their documented parameters', () => {
    const expected: Record<string, string[]> = {
      'renewals.reminder': ['plan', 'number', 'until', 'renewUrl'],
      'renewals.expired': ['number', 'renewUrl'],
      'renewals.auto_renewed': ['plan', 'number', 'total', 'until'],
      'renewals.auto_renew_failed': ['plan', 'number', 'payUrl', 'nextAttempt'],
      'renewals.action_required': ['number', 'payUrl'],
      'renewals.auto_renew_disabled': ['number'],
      'catalog.price_change_notice': ['plan', 'oldPrice', 'newPrice', 'effective'],
    };
    for (const [name, params] of Object.entries(expected)) {
      expect([...(TEMPLATES as Record<string, { params: readonly string[] }>)[name]?.params ?? []].sort(), name).toEqual([...params].sort());
    }
  });

  it('declare exactly the placeholders their texts use, and use every parameter in every language', () => {
    for (const name of TEMPLATE_NAMES) {
      const template = templateOf(name);
      for (const language of LANGUAGES) {
        const { subject, text } = template.texts[language];
        const used = new Set([...`${subject} ${text}`.matchAll(/\{(\w+)\}/g)].map((m) => m[1]));
        expect([...used].sort(), `${name} ${language}`).toEqual([...template.params].sort());
      }
      if (template.action !== undefined) expect(template.params, name).toContain(template.action.param);
    }
  });

  it('render in every language and channel with no placeholder left', () => {
    for (const name of TEMPLATE_NAMES) {
      for (const language of LANGUAGES) {
        for (const channel of CHANNELS) {
          const rendered = renderMessage(name, language, sampleParams(name), { channel, category: templateOf(name).category, publicUrl: PUBLIC_URL });
          const where = `${name} ${language} ${channel}`;
          expect(rendered.subject, where).not.toMatch(PLACEHOLDER);
          expect(rendered.text, where).not.toMatch(PLACEHOLDER);
          if (channel === 'email') {
            expect(rendered.html, where).toBeDefined();
            expect(rendered.html, where).not.toMatch(PLACEHOLDER);
            expect(rendered.html, where).toContain(`<html lang="${language}">`);
          } else {
            expect(rendered.html, where).toBeUndefined();
          }
        }
      }
    }
  });

  it('keep English SMS in the GSM 7-bit alphabet, so they are not sent as UCS-2', () => {
    for (const name of TEMPLATE_NAMES) {
      const params = Object.fromEntries(templateOf(name).params.map((key) => [key, 'x']));
      const { text, subject } = renderMessage(name, 'en', params, { channel: 'sms', category: 'transactional', publicUrl: PUBLIC_URL });
      expect(isGsm7(text), `${name}: ${text}`).toBe(true);
      expect(isGsm7(subject), `${name}: ${subject}`).toBe(true);
    }
  });

  it('escape every value in the HTML part and link only http(s) addresses', () => {
    const html = renderMessage('renewals.reminder', 'en', {
      plan: '<script>alert(1)</script>', number: '+852 6123 4567', until: '"1 Dec" & \'later\'', renewUrl: 'javascript:alert(1)',
    }, { channel: 'email', category: 'transactional', publicUrl: PUBLIC_URL }).html ?? '';
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&quot;1 Dec&quot; &amp; &#39;later&#39;');
    expect(html).not.toContain('href="javascript:');
    const linked = renderMessage('renewals.reminder', 'zh-TW', {
      plan: '亞洲 10GB', number: '+852 6123 4567', until: '2026年12月1日', renewUrl: 'https://roamline.example/lines/lin_1?renew=1&plan=asia',
    }, { channel: 'email', category: 'transactional', publicUrl: PUBLIC_URL }).html ?? '';
    expect(linked).toContain('href="https://roamline.example/lines/lin_1?renew=1&amp;plan=asia"');
    expect(linked).toContain('>立即續訂</a>');
    expect(linked).toContain('亞洲 10GB');
  });

  it('put a plain-text footer in e-mail, with the way to opt out for marketing', () => {
    const marketing = renderMessage('marketing.offer', 'zh-CN', { offer: '日本 7 天套餐 8 折。', url: `${PUBLIC_URL}/plans` }, { channel: 'email', category: 'marketing', publicUrl: `${PUBLIC_URL}/` });
    expect(marketing.text).toContain('https://roamline.example/account');
    expect(marketing.html).toContain('href="https://roamline.example/account"');
    const code = renderMessage('accounts.login_code', 'en', { code: '123456' }, { channel: 'email', category: 'transactional', publicUrl: PUBLIC_URL });
    expect(code.text).toMatch(/^Your Roamline sign-in code is 123456\./);
    expect(code.text).toContain('service message');
    expect(escapeHtml('a<b')).toBe('a&lt;b');
  });

  it('refuse to render without a documented parameter', () => {
    expect(() => renderMessage('renewals.expired', 'en', { number: '+85261234567' }, { channel: 'sms', category: 'transactional', publicUrl: PUBLIC_URL }))
      .toThrow(/renewUrl/);
  });
});

describe('delivery statuses', () => {
  it('move only forward: queued -> sent -> delivered | failed, or queued -> failed | suppressed', () => {
    const allowed = DELIVERY_STATUSES.flatMap((from) => DELIVERY_STATUSES.filter((to) => canMove(from, to)).map((to) => `${from}->${to}`));
    expect(allowed.sort()).toEqual(['queued->failed', 'queued->sent', 'queued->suppressed', 'sent->delivered', 'sent->failed']);
  });
});
