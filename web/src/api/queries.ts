import { queryOptions, useQuery, type QueryClient } from '@tanstack/react-query';
import { api, isApiError } from './client';
import type {
  AutoRenewView, LineDetail, LineSummary, Me, OrderDetailView, OrderView, OutboxMessage, PaymentMethodView, PlanView, SessionView, UsageChartView, UsageGranularity, ZoneView,
} from './types';

/** Query keys and fetchers, one place, so that mutations invalidate exactly what they change. */
export const keys = {
  me: ['me'] as const,
  sessions: ['me', 'sessions'] as const,
  paymentMethods: ['payment-methods'] as const,
  lines: ['lines'] as const,
  line: (id: string) => ['lines', id] as const,
  usage: (id: string, granularity: UsageGranularity) => ['lines', id, 'usage', granularity] as const,
  autoRenew: (id: string) => ['lines', id, 'auto-renew'] as const,
  plans: (filters: PlanFilters) => ['plans', filters] as const,
  plan: (code: string) => ['plan', code] as const,
  zones: ['zones'] as const,
  orders: ['orders'] as const,
  order: (id: string) => ['orders', id] as const,
  outbox: (to: string) => ['outbox', to] as const,
};

export interface PlanFilters {
  readonly kind?: 'base' | 'addon';
  readonly country?: string;
  readonly scope?: 'local' | 'roaming';
  readonly currency?: string;
}

/** The signed-in customer, or null when signed out. */
export const meQuery = queryOptions({
  queryKey: keys.me,
  queryFn: async (): Promise<Me | null> => {
    try {
      return await api<Me>('GET', '/me');
    } catch (error) {
      if (isApiError(error) && error.code === 'auth.required') return null;
      throw error;
    }
  },
  staleTime: 60_000,
});

export function useMe() {
  return useQuery(meQuery);
}

export function useLines() {
  return useQuery({
    queryKey: keys.lines,
    queryFn: async () => (await api<{ lines: LineSummary[] }>('GET', '/lines?limit=100')).lines,
    staleTime: 30_000,
  });
}

export function useLine(id: string | null) {
  return useQuery({
    queryKey: keys.line(id ?? ''),
    queryFn: () => api<LineDetail>('GET', `/lines/${encodeURIComponent(id ?? '')}`),
    enabled: id !== null && id !== '',
    staleTime: 30_000,
  });
}

/** The browser's IANA time zone (UTC when it does not say). */
function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** The last 30 days, or the last 24 hours, as the traveller lives them: midnight to midnight where the browser is. */
export function useUsage(id: string, granularity: UsageGranularity) {
  return useQuery({
    queryKey: keys.usage(id, granularity),
    queryFn: () => api<UsageChartView>('GET', `/lines/${encodeURIComponent(id)}/usage?granularity=${granularity}&tz=${encodeURIComponent(browserTimeZone())}`),
    staleTime: 60_000,
  });
}

export function useAutoRenew(lineId: string, enabled = true) {
  return useQuery({
    queryKey: keys.autoRenew(lineId),
    queryFn: () => api<AutoRenewView>('GET', `/lines/${encodeURIComponent(lineId)}/auto-renew`),
    enabled,
    staleTime: 30_000,
  });
}

function planQueryString(filters: PlanFilters): string {
  const params = new URLSearchParams({ kind: filters.kind ?? 'base' });
  if (filters.country) params.set('country', filters.country);
  if (filters.scope) params.set('scope', filters.scope);
  if (filters.currency) params.set('currency', filters.currency);
  return params.toString();
}

export function usePlans(filters: PlanFilters) {
  return useQuery({
    queryKey: keys.plans(filters),
    queryFn: async () => (await api<{ plans: PlanView[] }>('GET', `/plans?${planQueryString(filters)}`)).plans,
    staleTime: 5 * 60_000,
  });
}

export function usePlan(code: string | undefined) {
  return useQuery({
    queryKey: keys.plan(code ?? ''),
    queryFn: () => api<PlanView>('GET', `/plans/${encodeURIComponent(code ?? '')}`),
    enabled: code !== undefined && code !== '',
    staleTime: 5 * 60_000,
  });
}

export function useZones() {
  return useQuery({ queryKey: keys.zones, queryFn: async () => (await api<{ zones: ZoneView[] }>('GET', '/zones')).zones, staleTime: 10 * 60_000 });
}

export function useSessions() {
  return useQuery({ queryKey: keys.sessions, queryFn: async () => (await api<{ sessions: SessionView[] }>('GET', '/me/sessions')).sessions });
}

export function usePaymentMethods() {
  return useQuery({
    queryKey: keys.paymentMethods,
    queryFn: async () => (await api<{ paymentMethods: PaymentMethodView[] }>('GET', '/payment-methods')).paymentMethods,
  });
}

export function useOrders() {
  return useQuery({ queryKey: keys.orders, queryFn: async () => (await api<{ orders: OrderView[] }>('GET', '/orders')).orders });
}

const TERMINAL: ReadonlySet<string> = new Set(['fulfilled', 'cancelled', 'failed', 'expired', 'refunded']);

/** An order, polled every 2 s (then slower) while it is still on its way to a final state. */
export function useOrder(id: string) {
  return useQuery({
    queryKey: keys.order(id),
    queryFn: () => api<OrderDetailView>('GET', `/orders/${encodeURIComponent(id)}`),
    refetchInterval: (query) => {
      const order = query.state.data;
      if (order === undefined || TERMINAL.has(order.status)) return false;
      return query.state.dataUpdateCount < 30 ? 2_000 : 10_000;
    },
  });
}

export function isTerminalOrder(status: string): boolean {
  return TERMINAL.has(status);
}

export function useOutbox(to: string) {
  return useQuery({
    queryKey: keys.outbox(to),
    queryFn: async () => (await api<{ messages: OutboxMessage[] }>('GET', `/dev/outbox${to ? `?to=${encodeURIComponent(to)}` : ''}`)).messages,
    refetchInterval: 5_000,
    retry: false,
  });
}

/** After sign-in or sign-out: everything cached belongs to someone else now. */
export function resetForAccountChange(client: QueryClient, me: Me | null): void {
  const shared = new Set(['plans', 'plan', 'zones', 'dev-outbox-probe']);
  client.removeQueries({ predicate: (query) => !shared.has(String(query.queryKey[0])) });
  client.setQueryData(keys.me, me);
}
