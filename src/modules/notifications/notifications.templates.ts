import type { Language } from '../../platform/i18n.js';

/**
 * Every message the system sends, in every language. `{name}` placeholders are filled from the
 * message's parameters; a template's SMS text stays short (one segment in English where possible).
 */
interface TemplateText {
  readonly subject: string;
  readonly text: string;
}

type TemplateSet = Readonly<Record<Language, TemplateText>>;

export const TEMPLATES = {
  'accounts.verify_code': {
    en: { subject: 'Your Roamline verification code', text: 'Your Roamline verification code is {code}. It expires in 10 minutes. Never share it.' },
    'zh-CN': { subject: 'Roamline 验证码', text: '您的 Roamline 验证码是 {code}，10 分钟内有效。请勿告诉他人。' },
    'zh-TW': { subject: 'Roamline 驗證碼', text: '您的 Roamline 驗證碼是 {code}，10 分鐘內有效。請勿告訴他人。' },
  },
  'accounts.login_code': {
    en: { subject: 'Your Roamline sign-in code', text: 'Your Roamline sign-in code is {code}. It expires in 10 minutes. If you did not ask for it, ignore this message.' },
    'zh-CN': { subject: 'Roamline 登录验证码', text: '您的 Roamline 登录验证码是 {code}，10 分钟内有效。如非本人操作，请忽略。' },
    'zh-TW': { subject: 'Roamline 登入驗證碼', text: '您的 Roamline 登入驗證碼是 {code}，10 分鐘內有效。如非本人操作，請忽略。' },
  },
  'accounts.reset_code': {
    en: { subject: 'Reset your Roamline password', text: 'Your Roamline password reset code is {code}. It expires in 10 minutes. If you did not ask to reset your password, ignore this message.' },
    'zh-CN': { subject: '重置 Roamline 密码', text: '您的 Roamline 密码重置验证码是 {code}，10 分钟内有效。如非本人操作，请忽略。' },
    'zh-TW': { subject: '重設 Roamline 密碼', text: '您的 Roamline 密碼重設驗證碼是 {code}，10 分鐘內有效。如非本人操作，請忽略。' },
  },
  'accounts.contact_change_code': {
    en: { subject: 'Confirm your new Roamline contact', text: 'Your code to confirm this contact for Roamline is {code}. It expires in 10 minutes.' },
    'zh-CN': { subject: '确认您的 Roamline 新联系方式', text: '确认此联系方式的 Roamline 验证码是 {code}，10 分钟内有效。' },
    'zh-TW': { subject: '確認您的 Roamline 新聯絡方式', text: '確認此聯絡方式的 Roamline 驗證碼是 {code}，10 分鐘內有效。' },
  },
  'accounts.already_registered': {
    en: { subject: 'Someone tried to register with your contact', text: 'Someone tried to create a Roamline account with this contact, which already has an account. If it was you, sign in or reset your password.' },
    'zh-CN': { subject: '有人尝试用您的联系方式注册', text: '有人尝试用此联系方式注册 Roamline 账户，但该联系方式已有账户。如是您本人，请直接登录或重置密码。' },
    'zh-TW': { subject: '有人嘗試以您的聯絡方式註冊', text: '有人嘗試以此聯絡方式註冊 Roamline 帳戶，但該聯絡方式已有帳戶。如是您本人，請直接登入或重設密碼。' },
  },
  'accounts.password_changed': {
    en: { subject: 'Your Roamline password was changed', text: 'The password of your Roamline account was changed and every session was signed out. If this was not you, reset your password now.' },
    'zh-CN': { subject: '您的 Roamline 密码已更改', text: '您的 Roamline 账户密码已更改，所有登录会话均已退出。如非本人操作，请立即重置密码。' },
    'zh-TW': { subject: '您的 Roamline 密碼已變更', text: '您的 Roamline 帳戶密碼已變更，所有登入工作階段均已登出。如非本人操作，請立即重設密碼。' },
  },
  'accounts.contact_changed': {
    en: { subject: 'Your Roamline contact was changed', text: 'The {kind} of your Roamline account was changed to {masked}. If this was not you, contact support now.' },
    'zh-CN': { subject: '您的 Roamline 联系方式已更改', text: '您的 Roamline 账户的{kind}已更改为 {masked}。如非本人操作，请立即联系客服。' },
    'zh-TW': { subject: '您的 Roamline 聯絡方式已變更', text: '您的 Roamline 帳戶的{kind}已變更為 {masked}。如非本人操作，請立即聯絡客服。' },
  },
  'accounts.sign_in_locked': {
    en: { subject: 'Sign-in to your Roamline account was paused', text: 'Several wrong passwords were entered for your Roamline account, so password sign-in is paused for a few minutes. You can still sign in with a code.' },
    'zh-CN': { subject: '您的 Roamline 账户已暂停密码登录', text: '您的 Roamline 账户多次输入错误密码，密码登录已暂停几分钟。您仍可使用验证码登录。' },
    'zh-TW': { subject: '您的 Roamline 帳戶已暫停密碼登入', text: '您的 Roamline 帳戶多次輸入錯誤密碼，密碼登入已暫停幾分鐘。您仍可使用驗證碼登入。' },
  },
  'lines.claim_code': {
    en: { subject: 'Add this SIM to your Roamline account', text: 'Your Roamline code to add this SIM to your account is {code}. It expires in 10 minutes. If you did not ask for it, ignore this message.' },
    'zh-CN': { subject: '将此 SIM 卡添加到您的 Roamline 账户', text: '将此 SIM 卡添加到 Roamline 账户的验证码是 {code}，10 分钟内有效。如非本人操作，请忽略。' },
    'zh-TW': { subject: '將此 SIM 卡加入您的 Roamline 帳戶', text: '將此 SIM 卡加入 Roamline 帳戶的驗證碼是 {code}，10 分鐘內有效。如非本人操作，請忽略。' },
  },
  'orders.confirmation': {
    en: { subject: 'Your Roamline plan is ready', text: 'Thank you! {plan} is on {number}, valid until {until}. Paid {total}. Order {order}.' },
    'zh-CN': { subject: '您的 Roamline 套餐已生效', text: '感谢购买！{plan} 已加到 {number}，有效期至 {until}。实付 {total}。订单 {order}。' },
    'zh-TW': { subject: '您的 Roamline 方案已生效', text: '感謝購買！{plan} 已加到 {number}，有效期至 {until}。實付 {total}。訂單 {order}。' },
  },
} as const satisfies Record<string, TemplateSet>;

export type TemplateName = keyof typeof TEMPLATES;

/** Words used inside templates, translated as well. */
export const TEMPLATE_WORDS = {
  email: { en: 'e-mail address', 'zh-CN': '电子邮箱', 'zh-TW': '電子郵件地址' },
  phone: { en: 'phone number', 'zh-CN': '手机号码', 'zh-TW': '手機號碼' },
} as const satisfies Record<string, Readonly<Record<Language, string>>>;
