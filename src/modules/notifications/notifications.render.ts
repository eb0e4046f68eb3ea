import { assert } from '../../platform/assert.js';
import type { Language } from '../../platform/i18n.js';
import type { Category, Channel } from './notifications.js';
import { EMAIL_FOOTERS, templateOf, type TemplateName } from './notifications.templates.js';

export interface RenderedMessage {
  readonly subject: string;
  /** The SMS, or the plain-text part of the e-mail. */
  readonly text: string;
  /** The HTML part of an e-mail; undefined for SMS. */
  readonly html: string | undefined;
}

export interface RenderOptions {
  readonly channel: Channel;
  readonly category: Category;
  /** The portal's address, for the footer's link to the account page. */
  readonly publicUrl: string;
}

const PLACEHOLDER = /\{(\w+)\}/g;
const HTTP_URL = /^https?:\/\/[^\s<>"']+$/i;

/** Escapes text for HTML element content and double- or single-quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

function fill(text: string, params: Readonly<Record<string, string>>): string {
  return text.replace(PLACEHOLDER, (whole, key: string) => params[key] ?? whole);
}

/**
 * The same fill for HTML: the template's own text is escaped, each value is escaped, links become
 * anchors (http and https only) and a one-time code stands out.
 */
function fillHtml(text: string, params: Readonly<Record<string, string>>): string {
  let out = '';
  let last = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    const key = match[1] ?? '';
    const value = params[key];
    out += escapeHtml(text.slice(last, match.index));
    if (value === undefined) out += escapeHtml(match[0]);
    else if (HTTP_URL.test(value)) out += `<a href="${escapeHtml(value)}" style="color:#0b6e4f;word-break:break-all;">${escapeHtml(value)}</a>`;
    else if (key === 'code') out += `<strong style="font-family:Menlo,Consolas,monospace;font-size:22px;letter-spacing:3px;">${escapeHtml(value)}</strong>`;
    else out += escapeHtml(value);
    last = match.index + match[0].length;
  }
  return out + escapeHtml(text.slice(last));
}

/**
 * Renders a template: the subject and text for every channel, plus for e-mail the plain-text body
 * with its footer and the HTML part from the same data. Throws an assertion when a documented
 * parameter is missing (a programmer error: the message would show a raw `{placeholder}`).
 */
export function renderMessage(
  name: TemplateName, language: Language, params: Readonly<Record<string, string>>, options: RenderOptions,
): RenderedMessage {
  const template = templateOf(name);
  const missing = template.params.filter((key) => params[key] === undefined);
  assert(missing.length === 0, `template ${name} needs the parameters ${missing.join(', ')}`);
  const source = template.texts[language];
  const subject = fill(source.subject, params);
  const text = fill(source.text, params);
  if (options.channel === 'sms') return { subject, text, html: undefined };
  const footerParams = { accountUrl: `${options.publicUrl.replace(/\/+$/, '')}/account` };
  const footer = EMAIL_FOOTERS[options.category][language];
  const actionUrl = template.action === undefined ? undefined : params[template.action.param];
  const button = template.action !== undefined && actionUrl !== undefined && HTTP_URL.test(actionUrl)
    ? `<p style="margin:24px 0 8px;"><a href="${escapeHtml(actionUrl)}" style="display:inline-block;padding:12px 22px;background:#0b6e4f;color:#ffffff;border-radius:6px;text-decoration:none;font-weight:600;">${escapeHtml(template.action.label[language])}</a></p>`
    : '';
  const html = emailLayout(language, escapeHtml(subject), `<p style="margin:0;">${fillHtml(source.text, params)}</p>${button}`, fillHtml(footer, footerParams));
  return { subject, text: `${text}\n\n--\n${fill(footer, footerParams)}\n`, html };
}

/** A simple, table-based layout with inline styles: what mail clients render alike. */
function emailLayout(language: Language, subjectHtml: string, bodyHtml: string, footerHtml: string): string {
  const font = "-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,'PingFang SC','PingFang TC','Microsoft YaHei','Microsoft JhengHei',sans-serif";
  return [
    '<!doctype html>',
    `<html lang="${language}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${subjectHtml}</title></head>`,
    '<body style="margin:0;padding:0;background:#f3f4f6;">',
    '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f3f4f6;padding:24px 12px;"><tr><td align="center">',
    `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:560px;background:#ffffff;border-radius:8px;font-family:${font};color:#1f2933;">`,
    '<tr><td style="padding:18px 28px;border-bottom:1px solid #e5e7eb;font-size:18px;font-weight:700;color:#0b6e4f;">Roamline</td></tr>',
    `<tr><td style="padding:24px 28px;font-size:16px;line-height:1.6;"><h1 style="margin:0 0 16px;font-size:20px;line-height:1.3;">${subjectHtml}</h1>${bodyHtml}</td></tr>`,
    `<tr><td style="padding:16px 28px;border-top:1px solid #e5e7eb;font-size:12px;line-height:1.5;color:#6b7280;">${footerHtml}</td></tr>`,
    '</table></td></tr></table></body></html>',
  ].join('\n');
}
