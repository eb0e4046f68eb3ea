import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/client';
import type { PaymentMethodView } from '../../api/types';

/** How the portal takes the customer through a method (`GET /payment-options`). */
export type PaymentFlow = 'test_cards' | 'saved_only' | 'redirect' | 'qr' | 'off_session_only';

export interface PaymentOption {
  readonly method: string;
  readonly provider: string;
  readonly flow: PaymentFlow;
  readonly device: 'any' | 'desktop' | 'mobile';
  readonly token?: string;
  readonly offSession: boolean;
}

export interface PaymentOptions {
  readonly methods: readonly PaymentOption[];
  readonly providers: ReadonlyArray<{ readonly provider: string; readonly saveWithoutPayment: boolean; readonly savedMethod?: string }>;
}

/** A saved method as `GET /payment-methods` returns it: which method it charges and whether it renews off-session. */
export interface SavedMethodView extends PaymentMethodView {
  readonly method?: string;
  readonly offSession?: boolean;
}

export interface SetupView {
  readonly id: string;
  readonly provider: string;
  readonly method: string;
  readonly status: 'created' | 'unknown' | 'requires_action' | 'succeeded' | 'failed' | 'cancelled';
  readonly actionUrl?: string;
  readonly failureCode?: string;
  readonly paymentMethodId?: string;
}

/** The saved methods of `provider` that charge `method` (one saved before methods were recorded counts as the provider's). */
export function savedMethodsOf(saved: readonly SavedMethodView[], provider: string, method: string): SavedMethodView[] {
  return saved.filter((m) => m.provider === provider && (m.method ?? method) === method);
}

/** The saved methods that can be charged while the customer is away: the only ones auto-renew takes. */
export function offSessionMethods(saved: readonly SavedMethodView[]): SavedMethodView[] {
  return saved.filter((m) => m.offSession === true);
}

/** Methods whose provider step is a QR code for the wallet app to scan. */
export const QR_METHODS: ReadonlySet<string> = new Set(['alipay_qr', 'wechatpay_native']);

export const paymentOptionsKey = ['payment-options'] as const;

export function usePaymentOptions() {
  return useQuery({
    queryKey: paymentOptionsKey,
    queryFn: () => api<PaymentOptions>('GET', '/payment-options'),
    staleTime: 5 * 60_000,
  });
}

/** A phone-sized screen: Alipay's and WeChat Pay's H5 pages there, their QR codes on a computer. */
export function isMobileScreen(): boolean {
  return typeof window !== 'undefined' && typeof window.matchMedia === 'function' && window.matchMedia('(max-width: 640px)').matches;
}

export function suitsDevice(option: PaymentOption, mobile: boolean): boolean {
  return option.device === 'any' || (option.device === 'mobile') === mobile;
}

/** `VISA •••• 4242 (12/31)`; an Alipay agreement shows as `ALIPAY •••• 0001 (01/15)`. */
export function savedLabel(method: Pick<PaymentMethodView, 'brand' | 'last4' | 'expMonth' | 'expYear'>): string {
  return `${method.brand.toUpperCase()} •••• ${method.last4} (${String(method.expMonth).padStart(2, '0')}/${String(method.expYear).slice(-2)})`;
}
