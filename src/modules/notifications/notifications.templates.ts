import type { Language, Localized } from '../../platform/i18n.js';
import type { Category } from './notifications.js';

/**
 * Every message the system sends, in every language. `{name}` placeholders are filled from the
 * message's parameters; `params` documents them, and a test renders every template in every
 * language from them and finds no placeholder left. `text` is the SMS and the body of the e-mail;
 * SMS stays short (English texts use only the GSM 7-bit alphabet so that they fit fewer segments),
 * and the e-mail adds the layout, the link of `action` as a button, and a footer.
 */
interface TemplateText {
  readonly subject: string;
  readonly text: string;
}

export interface TemplateDefinition {
  readonly params: readonly string[];
  /** Marketing messages are never sent to customers who opted out; transactional ones always are. */
  readonly category: Category;
  /** A parameter holding a link, shown as a button in e-mail. */
  readonly action?: { readonly param: string; readonly label: Localized };
  readonly texts: Readonly<Record<Language, TemplateText>>;
}

const RENEW: Localized = { en: 'Renew now', 'zh-CN': '立即续订', 'zh-TW': '立即續訂' };
const PAY: Localized = { en: 'Pay now', 'zh-CN': '立即付款', 'zh-TW': '立即付款' };

export const TEMPLATES = {
  'accounts.verify_code': {
    params: ['code'], category: 'transactional',
    texts: {
      en: { subject: 'Your Roamline verification code', text: 'Your Roamline verification code is {code}. It expires in 10 minutes. Never share it.' },
      'zh-CN': { subject: 'Roamline 验证码', text: '您的 Roamline 验证码是 {code}，10 分钟内有效。请勿告诉他人。' },
      'zh-TW': { subject: 'Roamline 驗證碼', text: '您的 Roamline 驗證碼是 {code}，10 分鐘內有效。請勿告訴他人。' },
    },
  },
  'accounts.login_code': {
    params: ['code'], category: 'transactional',
    texts: {
      en: { subject: 'Your Roamline sign-in code', text: 'Your Roamline sign-in code is {code}. It expires in 10 minutes. If you did not ask for it, ignore this message.' },
      'zh-CN': { subject: 'Roamline 登录验证码', text: '您的 Roamline 登录验证码是 {code}，10 分钟内有效。如非本人操作，请忽略。' },
      'zh-TW': { subject: 'Roamline 登入驗證碼', text: '您的 Roamline 登入驗證碼是 {code}，10 分鐘內有效。如非本人操作，請忽略。' },
    },
  },
  'accounts.reset_code': {
    params: ['code'], category: 'transactional',
    texts: {
      en: { subject: 'Reset your Roamline password', text: 'Your Roamline password reset code is {code}. It expires in 10 minutes. If you did not ask to reset your password, ignore this message.' },
      'zh-CN': { subject: '重置 Roamline 密码', text: '您的 Roamline 密码重置验证码是 {code}，10 分钟内有效。如非本人操作，请忽略。' },
      'zh-TW': { subject: '重設 Roamline 密碼', text: '您的 Roamline 密碼重設驗證碼是 {code}，10 分鐘內有效。如非本人操作，請忽略。' },
    },
  },
  'accounts.contact_change_code': {
    params: ['code'], category: 'transactional',
    texts: {
      en: { subject: 'Confirm your new Roamline contact', text: 'Your code to confirm this contact for Roamline is {code}. It expires in 10 minutes.' },
      'zh-CN': { subject: '确认您的 Roamline 新联系方式', text: '确认此联系方式的 Roamline 验证码是 {code}，10 分钟内有效。' },
      'zh-TW': { subject: '確認您的 Roamline 新聯絡方式', text: '確認此聯絡方式的 Roamline 驗證碼是 {code}，10 分鐘內有效。' },
    },
  },
  'accounts.already_registered': {
    params: [], category: 'transactional',
    texts: {
      en: { subject: 'Someone tried to register with your contact', text: 'Someone tried to create a Roamline account with this contact, which already has an account. If it was you, sign in or reset your password.' },
      'zh-CN': { subject: '有人尝试用您的联系方式注册', text: '有人尝试用此联系方式注册 Roamline 账户，但该联系方式已有账户。如是您本人，请直接登录或重置密码。' },
      'zh-TW': { subject: '有人嘗試以您的聯絡方式註冊', text: '有人嘗試以此聯絡方式註冊 Roamline 帳戶，但該聯絡方式已有帳戶。如是您本人，請直接登入或重設密碼。' },
    },
  },
  'accounts.password_changed': {
    params: [], category: 'transactional',
    texts: {
      en: { subject: 'Your Roamline password was changed', text: 'The password of your Roamline account was changed and every session was signed out. If this was not you, reset your password now.' },
      'zh-CN': { subject: '您的 Roamline 密码已更改', text: '您的 Roamline 账户密码已更改，所有登录会话均已退出。如非本人操作，请立即重置密码。' },
      'zh-TW': { subject: '您的 Roamline 密碼已變更', text: '您的 Roamline 帳戶密碼已變更，所有登入工作階段均已登出。如非本人操作，請立即重設密碼。' },
    },
  },
  'accounts.contact_changed': {
    params: ['kind', 'masked'], category: 'transactional',
    texts: {
      en: { subject: 'Your Roamline contact was changed', text: 'The {kind} of your Roamline account was changed to {masked}. If this was not you, contact support now.' },
      'zh-CN': { subject: '您的 Roamline 联系方式已更改', text: '您的 Roamline 账户的{kind}已更改为 {masked}。如非本人操作，请立即联系客服。' },
      'zh-TW': { subject: '您的 Roamline 聯絡方式已變更', text: '您的 Roamline 帳戶的{kind}已變更為 {masked}。如非本人操作，請立即聯絡客服。' },
    },
  },
  'accounts.sign_in_locked': {
    params: [], category: 'transactional',
    texts: {
      en: { subject: 'Sign-in to your Roamline account was paused', text: 'Several wrong passwords were entered for your Roamline account, so password sign-in is paused for a few minutes. You can still sign in with a code.' },
      'zh-CN': { subject: '您的 Roamline 账户已暂停密码登录', text: '您的 Roamline 账户多次输入错误密码，密码登录已暂停几分钟。您仍可使用验证码登录。' },
      'zh-TW': { subject: '您的 Roamline 帳戶已暫停密碼登入', text: '您的 Roamline 帳戶多次輸入錯誤密碼，密碼登入已暫停幾分鐘。您仍可使用驗證碼登入。' },
    },
  },
  'lines.claim_code': {
    params: ['code'], category: 'transactional',
    texts: {
      en: { subject: 'Add this SIM to your Roamline account', text: 'Your Roamline code to add this SIM to your account is {code}. It expires in 10 minutes. If you did not ask for it, ignore this message.' },
      'zh-CN': { subject: '将此 SIM 卡添加到您的 Roamline 账户', text: '将此 SIM 卡添加到 Roamline 账户的验证码是 {code}，10 分钟内有效。如非本人操作，请忽略。' },
      'zh-TW': { subject: '將此 SIM 卡加入您的 Roamline 帳戶', text: '將此 SIM 卡加入 Roamline 帳戶的驗證碼是 {code}，10 分鐘內有效。如非本人操作，請忽略。' },
    },
  },
  'lines.claimed': {
    params: ['number'], category: 'transactional',
    texts: {
      en: { subject: 'A SIM was added to your Roamline account', text: 'The SIM with number {number} was added to your Roamline account. If this was not you, contact support now.' },
      'zh-CN': { subject: '已有 SIM 卡添加到您的 Roamline 账户', text: '号码为 {number} 的 SIM 卡已添加到您的 Roamline 账户。如非本人操作，请立即联系客服。' },
      'zh-TW': { subject: '已有 SIM 卡加入您的 Roamline 帳戶', text: '號碼為 {number} 的 SIM 卡已加入您的 Roamline 帳戶。如非本人操作，請立即聯絡客服。' },
    },
  },
  'orders.confirmation': {
    params: ['plan', 'number', 'until', 'total', 'order'], category: 'transactional',
    texts: {
      en: { subject: 'Your Roamline plan is ready', text: 'Thank you! {plan} is on {number}, valid until {until}. Paid {total}. Order {order}.' },
      'zh-CN': { subject: '您的 Roamline 套餐已生效', text: '感谢购买！{plan} 已加到 {number}，有效期至 {until}。实付 {total}。订单 {order}。' },
      'zh-TW': { subject: '您的 Roamline 方案已生效', text: '感謝購買！{plan} 已加到 {number}，有效期至 {until}。實付 {total}。訂單 {order}。' },
    },
  },
  'orders.receipt': {
    params: ['order', 'total', 'receiptUrl'], category: 'transactional',
    action: { param: 'receiptUrl', label: { en: 'Download the receipt', 'zh-CN': '下载收据', 'zh-TW': '下載收據' } },
    texts: {
      en: { subject: 'Your Roamline receipt for order {order}', text: 'Your receipt for order {order} ({total}) is ready: {receiptUrl}' },
      'zh-CN': { subject: 'Roamline 订单 {order} 的收据', text: '订单 {order}（{total}）的收据已可下载：{receiptUrl}' },
      'zh-TW': { subject: 'Roamline 訂單 {order} 的收據', text: '訂單 {order}（{total}）的收據已可下載：{receiptUrl}' },
    },
  },
  'orders.payment_failed': {
    params: ['order', 'total', 'payUrl'], category: 'transactional', action: { param: 'payUrl', label: PAY },
    texts: {
      en: { subject: 'Your Roamline payment did not go through', text: 'Roamline: your payment of {total} for order {order} did not go through. Try again or use another method: {payUrl}' },
      'zh-CN': { subject: '您的 Roamline 付款未成功', text: 'Roamline：订单 {order} 的 {total} 付款未成功。请重试或更换付款方式：{payUrl}' },
      'zh-TW': { subject: '您的 Roamline 付款未成功', text: 'Roamline：訂單 {order} 的 {total} 付款未成功。請重試或更換付款方式：{payUrl}' },
    },
  },
  'orders.refunded': {
    params: ['order', 'total'], category: 'transactional',
    texts: {
      en: { subject: 'Your Roamline refund', text: 'Roamline: we refunded {total} for order {order}. It can take 5 to 10 business days to reach your account.' },
      'zh-CN': { subject: '您的 Roamline 退款', text: 'Roamline：订单 {order} 已退款 {total}，款项可能需要 5 至 10 个工作日到账。' },
      'zh-TW': { subject: '您的 Roamline 退款', text: 'Roamline：訂單 {order} 已退款 {total}，款項可能需要 5 至 10 個工作天入帳。' },
    },
  },
  'renewals.reminder': {
    params: ['plan', 'number', 'until', 'renewUrl'], category: 'transactional', action: { param: 'renewUrl', label: RENEW },
    texts: {
      en: { subject: 'Your Roamline plan ends {until}', text: 'Roamline: {plan} on {number} ends {until}. Renew now to keep your service: {renewUrl}' },
      'zh-CN': { subject: '您的 Roamline 套餐将于 {until} 到期', text: 'Roamline：{number} 的套餐「{plan}」将于 {until} 到期。立即续订以免服务中断：{renewUrl}' },
      'zh-TW': { subject: '您的 Roamline 方案將於 {until} 到期', text: 'Roamline：{number} 的方案「{plan}」將於 {until} 到期。立即續訂以免服務中斷：{renewUrl}' },
    },
  },
  'renewals.expired': {
    params: ['number', 'renewUrl'], category: 'transactional', action: { param: 'renewUrl', label: RENEW },
    texts: {
      en: { subject: 'Your Roamline plan has expired', text: 'Roamline: the plan on {number} has expired. Renew to use it again: {renewUrl}' },
      'zh-CN': { subject: '您的 Roamline 套餐已到期', text: 'Roamline：{number} 的套餐已到期。续订即可恢复使用：{renewUrl}' },
      'zh-TW': { subject: '您的 Roamline 方案已到期', text: 'Roamline：{number} 的方案已到期。續訂即可恢復使用：{renewUrl}' },
    },
  },
  'renewals.grace': {
    params: ['number', 'until', 'renewUrl'], category: 'transactional', action: { param: 'renewUrl', label: RENEW },
    texts: {
      en: { subject: 'Your Roamline plan has ended', text: 'Roamline: the plan on {number} has ended. Renew by {until} to keep your number: {renewUrl}' },
      'zh-CN': { subject: '您的 Roamline 套餐已结束', text: 'Roamline：{number} 的套餐已结束。请于 {until} 前续订以保留号码：{renewUrl}' },
      'zh-TW': { subject: '您的 Roamline 方案已結束', text: 'Roamline：{number} 的方案已結束。請於 {until} 前續訂以保留號碼：{renewUrl}' },
    },
  },
  'renewals.auto_renew_enabled': {
    params: ['plan', 'number', 'total', 'chargeDate'], category: 'transactional',
    texts: {
      en: { subject: 'Auto-renew is on for {number}', text: 'Roamline: {plan} on {number} will renew automatically. Next charge: {total} on {chargeDate}. Turn it off any time in your account.' },
      'zh-CN': { subject: '{number} 已开启自动续订', text: 'Roamline：{number} 的套餐「{plan}」将自动续订，下次于 {chargeDate} 扣款 {total}。可随时在账户中关闭。' },
      'zh-TW': { subject: '{number} 已開啟自動續訂', text: 'Roamline：{number} 的方案「{plan}」將自動續訂，下次於 {chargeDate} 扣款 {total}。可隨時於帳戶中關閉。' },
    },
  },
  'renewals.auto_renewed': {
    params: ['plan', 'number', 'total', 'until'], category: 'transactional',
    texts: {
      en: { subject: 'Your Roamline plan renewed', text: 'Roamline: {plan} on {number} renewed automatically for {total} and is valid until {until}.' },
      'zh-CN': { subject: '您的 Roamline 套餐已自动续订', text: 'Roamline：{number} 的套餐「{plan}」已自动续订，扣款 {total}，有效期至 {until}。' },
      'zh-TW': { subject: '您的 Roamline 方案已自動續訂', text: 'Roamline：{number} 的方案「{plan}」已自動續訂，扣款 {total}，有效期至 {until}。' },
    },
  },
  'renewals.auto_renew_failed': {
    params: ['plan', 'number', 'payUrl', 'nextAttempt'], category: 'transactional', action: { param: 'payUrl', label: PAY },
    texts: {
      en: { subject: 'We could not renew your Roamline plan', text: 'Roamline: we could not charge your saved payment method to renew {plan} on {number}. We will try again {nextAttempt}, or pay now: {payUrl}' },
      'zh-CN': { subject: '您的 Roamline 套餐自动续订未成功', text: 'Roamline：{number} 的套餐「{plan}」自动续订扣款未成功。我们将于 {nextAttempt} 重试，您也可立即付款：{payUrl}' },
      'zh-TW': { subject: '您的 Roamline 方案自動續訂未成功', text: 'Roamline：{number} 的方案「{plan}」自動續訂扣款未成功。我們將於 {nextAttempt} 重試，您也可立即付款：{payUrl}' },
    },
  },
  'renewals.auto_renew_failed_final': {
    params: ['plan', 'number', 'payUrl', 'until'], category: 'transactional', action: { param: 'payUrl', label: PAY },
    texts: {
      en: { subject: 'We could not renew your Roamline plan', text: 'Roamline: we could not charge your saved payment method to renew {plan} on {number} and will not try again. Pay by {until} to keep your service: {payUrl}' },
      'zh-CN': { subject: '您的 Roamline 套餐自动续订未成功', text: 'Roamline：{number} 的套餐「{plan}」自动续订扣款未成功，我们不会再自动重试。请于 {until} 前付款以保留服务：{payUrl}' },
      'zh-TW': { subject: '您的 Roamline 方案自動續訂未成功', text: 'Roamline：{number} 的方案「{plan}」自動續訂扣款未成功，我們不會再自動重試。請於 {until} 前付款以保留服務：{payUrl}' },
    },
  },
  'renewals.action_required': {
    params: ['number', 'payUrl'], category: 'transactional',
    action: { param: 'payUrl', label: { en: 'Confirm the payment', 'zh-CN': '确认付款', 'zh-TW': '確認付款' } },
    texts: {
      en: { subject: 'Confirm your Roamline renewal payment', text: 'Roamline: your bank asks you to confirm the renewal payment for {number}. Confirm it here: {payUrl}' },
      'zh-CN': { subject: '请确认您的 Roamline 续订付款', text: 'Roamline：您的银行要求确认 {number} 的续订付款。请在此确认：{payUrl}' },
      'zh-TW': { subject: '請確認您的 Roamline 續訂付款', text: 'Roamline：您的銀行要求確認 {number} 的續訂付款。請在此確認：{payUrl}' },
    },
  },
  'renewals.auto_renew_disabled': {
    params: ['number'], category: 'transactional',
    texts: {
      en: { subject: 'Auto-renew is off for {number}', text: 'Roamline: auto-renew is now off for {number}. Renew by hand in your account when you need more.' },
      'zh-CN': { subject: '{number} 的自动续订已关闭', text: 'Roamline：{number} 的自动续订已关闭。需要时请在账户中手动续订。' },
      'zh-TW': { subject: '{number} 的自動續訂已關閉', text: 'Roamline：{number} 的自動續訂已關閉。需要時請於帳戶中手動續訂。' },
    },
  },
  'catalog.price_change_notice': {
    params: ['plan', 'oldPrice', 'newPrice', 'effective'], category: 'transactional',
    texts: {
      en: { subject: 'A price change for {plan}', text: 'Roamline: the price of {plan} changes from {oldPrice} to {newPrice} on {effective}. Renewals before that date keep the current price.' },
      'zh-CN': { subject: '「{plan}」价格调整通知', text: 'Roamline：套餐「{plan}」的价格将于 {effective} 起由 {oldPrice} 调整为 {newPrice}。此日期前的续订仍按现价。' },
      'zh-TW': { subject: '「{plan}」價格調整通知', text: 'Roamline：方案「{plan}」的價格將於 {effective} 起由 {oldPrice} 調整為 {newPrice}。此日期前的續訂仍按現價。' },
    },
  },
  'marketing.offer': {
    params: ['offer', 'url'], category: 'marketing',
    action: { param: 'url', label: { en: 'See the plans', 'zh-CN': '查看套餐', 'zh-TW': '查看方案' } },
    texts: {
      en: { subject: 'A Roamline offer for your next trip', text: 'Roamline: {offer} See the plans: {url}' },
      'zh-CN': { subject: 'Roamline 出行优惠', text: 'Roamline：{offer} 查看套餐：{url}' },
      'zh-TW': { subject: 'Roamline 旅遊優惠', text: 'Roamline：{offer} 查看方案：{url}' },
    },
  },
  'balances.data_80': {
    params: ['number', 'remaining', 'until'], category: 'transactional',
    texts: {
      en: { subject: '80% of your Roamline data is used', text: 'Roamline: you have used 80% of the data on {number}. {remaining} left, valid until {until}. Buy a top-up in your account if you need more.' },
      'zh-CN': { subject: '您的 Roamline 流量已用 80%', text: 'Roamline：{number} 的流量已用 80%，剩余 {remaining}，有效期至 {until}。如需更多流量，可在账户中加购流量包。' },
      'zh-TW': { subject: '您的 Roamline 上網流量已用 80%', text: 'Roamline：{number} 的上網流量已用 80%，剩餘 {remaining}，有效期至 {until}。如需更多流量，可於帳戶中加購。' },
    },
  },
  'balances.data_100': {
    params: ['number'], category: 'transactional',
    texts: {
      en: { subject: 'Your Roamline data is used up', text: 'Roamline: all the data of your plan on {number} is used. Buy a top-up or renew in your account to keep using data.' },
      'zh-CN': { subject: '您的 Roamline 流量已用完', text: 'Roamline：{number} 的套餐流量已全部用完。请在账户中加购流量包或续订以继续上网。' },
      'zh-TW': { subject: '您的 Roamline 上網流量已用完', text: 'Roamline：{number} 的方案流量已全部用完。請於帳戶中加購或續訂以繼續上網。' },
    },
  },
  'balances.voice_80': {
    params: ['number', 'remaining', 'until'], category: 'transactional',
    texts: {
      en: { subject: '80% of your Roamline minutes are used', text: 'Roamline: you have used 80% of the minutes on {number}. {remaining} left, valid until {until}.' },
      'zh-CN': { subject: '您的 Roamline 通话分钟已用 80%', text: 'Roamline：{number} 的通话分钟已用 80%，剩余 {remaining}，有效期至 {until}。' },
      'zh-TW': { subject: '您的 Roamline 通話分鐘已用 80%', text: 'Roamline：{number} 的通話分鐘已用 80%，剩餘 {remaining}，有效期至 {until}。' },
    },
  },
  'balances.voice_100': {
    params: ['number'], category: 'transactional',
    texts: {
      en: { subject: 'Your Roamline minutes are used up', text: 'Roamline: all the minutes of your plan on {number} are used. Further calls are charged from your balance or blocked.' },
      'zh-CN': { subject: '您的 Roamline 通话分钟已用完', text: 'Roamline：{number} 的套餐通话分钟已全部用完。之后的通话将从余额扣费或无法接通。' },
      'zh-TW': { subject: '您的 Roamline 通話分鐘已用完', text: 'Roamline：{number} 的方案通話分鐘已全部用完。之後的通話將從餘額扣費或無法接通。' },
    },
  },
  'balances.money_low': {
    params: ['number', 'remaining'], category: 'transactional',
    texts: {
      en: { subject: 'Your Roamline balance is running low', text: 'Roamline: the balance of {number} is running low: {remaining} left. Top up in your account to avoid interruptions.' },
      'zh-CN': { subject: '您的 Roamline 余额不足', text: 'Roamline：{number} 的余额不足，仅剩 {remaining}。请在账户中充值，以免服务中断。' },
      'zh-TW': { subject: '您的 Roamline 餘額不足', text: 'Roamline：{number} 的餘額不足，僅剩 {remaining}。請於帳戶中儲值，以免服務中斷。' },
    },
  },
  'balances.money_empty': {
    params: ['number'], category: 'transactional',
    texts: {
      en: { subject: 'Your Roamline balance is used up', text: 'Roamline: the balance of {number} is used up. Usage beyond your plan is blocked until you top up.' },
      'zh-CN': { subject: '您的 Roamline 余额已用完', text: 'Roamline：{number} 的余额已用完。超出套餐的使用将暂停，充值后恢复。' },
      'zh-TW': { subject: '您的 Roamline 餘額已用完', text: 'Roamline：{number} 的餘額已用完。超出方案的使用將暫停，儲值後恢復。' },
    },
  },
} as const satisfies Record<string, TemplateDefinition>;

export type TemplateName = keyof typeof TEMPLATES;

export const TEMPLATE_NAMES = Object.keys(TEMPLATES) as TemplateName[];

export function templateOf(name: TemplateName): TemplateDefinition {
  return TEMPLATES[name];
}

/** Words used inside templates, translated as well. */
export const TEMPLATE_WORDS = {
  email: { en: 'e-mail address', 'zh-CN': '电子邮箱', 'zh-TW': '電子郵件地址' },
  phone: { en: 'phone number', 'zh-CN': '手机号码', 'zh-TW': '手機號碼' },
  data: { en: 'data', 'zh-CN': '流量', 'zh-TW': '數據' },
  voice: { en: 'call minutes', 'zh-CN': '通话分钟数', 'zh-TW': '通話分鐘數' },
  sms: { en: 'SMS', 'zh-CN': '短信', 'zh-TW': '簡訊' },
} as const satisfies Record<string, Localized>;

/** The e-mail footer: why the customer gets the message, and for marketing how to stop it. */
export const EMAIL_FOOTERS = {
  transactional: {
    en: 'This is a service message about your Roamline account.',
    'zh-CN': '这是关于您的 Roamline 账户的服务通知。',
    'zh-TW': '這是關於您的 Roamline 帳戶的服務通知。',
  },
  marketing: {
    en: 'You get Roamline offers because you asked for them. Turn them off in your account: {accountUrl}',
    'zh-CN': '您收到 Roamline 优惠信息是因为您选择了接收。可在账户中关闭：{accountUrl}',
    'zh-TW': '您收到 Roamline 優惠資訊是因為您選擇了接收。可於帳戶中關閉：{accountUrl}',
  },
} as const satisfies Record<Category, Localized>;
