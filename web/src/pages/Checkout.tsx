import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api, isApiError, newIdempotencyKey } from '../api/client';
import { useLine, useMe, usePlan } from '../api/queries';
import type { OrderView, PlanView, QuoteView, ShippingAddress } from '../api/types';
import { ErrorNotice } from '../components/ErrorNotice';
import { Field, SelectField } from '../components/Field';
import { PaymentForm } from '../components/PaymentForm';
import { ProviderPayment } from '../components/payments/ProviderPayment';
import { PlanFacts } from '../components/PlanFacts';
import { PriceSummary } from '../components/PriceSummary';
import { Loading } from '../components/Status';
import { countryOptions, defaultCountry } from '../lib/countries';
import { formatMoney } from '../lib/format';
import { useLocale } from '../lib/locale';
import { preferredCurrency, priceIn } from '../lib/plans';

type SimType = 'esim' | 'physical';
const EMPTY_ADDRESS: ShippingAddress = { name: '', line1: '', line2: '', city: '', region: '', postalCode: '', country: '' };

function AddressFields({ value, onChange }: { value: ShippingAddress; onChange: (next: ShippingAddress) => void }) {
  const { t, locale } = useLocale();
  const countries = useMemo(() => countryOptions(locale), [locale]);
  const field = (key: keyof ShippingAddress, autoComplete: string, required = true) => (
    <Field label={required ? t(`address.${key}`) : t('common.optional', { label: t(`address.${key}`) })} name={key} autoComplete={autoComplete} required={required}
      value={value[key] ?? ''} onChange={(event) => onChange({ ...value, [key]: event.target.value })} />
  );
  return (
    <fieldset>
      <legend>{t('address.title')}</legend>
      {field('name', 'shipping name')}
      {field('line1', 'shipping address-line1')}
      {field('line2', 'shipping address-line2', false)}
      {field('city', 'shipping address-level2')}
      {field('region', 'shipping address-level1', false)}
      {field('postalCode', 'shipping postal-code', false)}
      <SelectField label={t('address.country')} name="country" autoComplete="shipping country" options={countries}
        value={value.country} onChange={(country) => onChange({ ...value, country })} />
    </fieldset>
  );
}

function trimAddress(address: ShippingAddress): ShippingAddress {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(address)) if (typeof value === 'string' && value.trim() !== '') out[key] = value.trim();
  return out as unknown as ShippingAddress;
}

function CheckoutForm({ plan, lineId, currency }: { plan: PlanView; lineId: string | null; currency: string }) {
  const { t, locale, pick } = useLocale();
  const me = useMe().data;
  const line = useLine(lineId);
  const [simType, setSimType] = useState<SimType>('esim');
  const [address, setAddress] = useState<ShippingAddress>(() => ({ ...EMPTY_ADDRESS, country: defaultCountry(locale) }));
  const [contact, setContact] = useState(me?.email ?? me?.phone ?? '');
  const [promotion, setPromotion] = useState('');
  const [appliedPromotion, setAppliedPromotion] = useState('');
  const [termsRead, setTermsRead] = useState(false);
  const [quote, setQuote] = useState<QuoteView | null>(null);
  const [quoteError, setQuoteError] = useState<unknown>(null);
  const [quoting, setQuoting] = useState(false);
  const orderKey = useRef(newIdempotencyKey());
  const orderId = useRef<string | null>(null);

  const kind = lineId === null ? 'new_sim' : plan.kind === 'addon' ? 'topup' : 'renewal';
  const request = (promotionCode: string) => ({
    kind, planCode: plan.code, currency,
    ...(lineId === null ? {} : { lineId }),
    ...(kind === 'new_sim' ? { newSim: simType === 'esim' ? { type: 'esim' } : { type: 'physical', shippingAddress: trimAddress(address) } } : {}),
    ...(promotionCode === '' ? {} : { promotionCode }),
  });
  const contactBody = () => {
    const value = contact.trim();
    if (value === '') return {};
    return { contact: value.includes('@') ? { email: value } : { phone: value } };
  };

  const requote = async (promotionCode: string) => {
    setQuoting(true);
    setQuoteError(null);
    try {
      setQuote(await api<QuoteView>('POST', '/quotes', { body: request(promotionCode) }));
      setAppliedPromotion(promotionCode);
    } catch (caught) {
      setQuoteError(caught);
    }
    setQuoting(false);
  };
  // The summary follows the choices that change the price: SIM type (shipping) and the plan.
  useEffect(() => {
    if (simType === 'esim' || kind !== 'new_sim') void requote(appliedPromotion);
    // A SIM card is priced with its shipping once the address is in.
    else setQuote(null);
    // A new order key whenever what is bought changes, so a retry never repeats another order.
    orderKey.current = newIdempotencyKey();
    orderId.current = null;
  }, [plan.code, simType, currency]);

  const applyPromotion = (event: FormEvent) => {
    event.preventDefault();
    void requote(promotion.trim().toUpperCase());
  };
  const placeOrder = async (): Promise<string> => {
    if (orderId.current !== null) return orderId.current;
    const order = await api<OrderView>('POST', '/orders', { body: { ...request(appliedPromotion), ...contactBody() }, headers: { 'idempotency-key': orderKey.current } });
    orderId.current = order.id;
    return order.id;
  };
  const listPrice = priceIn(plan, currency);
  const totalText = quote === null ? (listPrice === undefined ? '' : formatMoney(listPrice.amountMinor, listPrice.currency, locale)) : formatMoney(quote.totalMinor, quote.currency, locale);

  return (
    <>
      <section className="card" aria-labelledby="what-title">
        <h2 id="what-title">{t('checkout.what')}</h2>
        <p><strong>{pick(plan.texts.name)}</strong></p>
        <PlanFacts plan={plan} />
        {lineId === null ? null : <p className="muted">{t(kind === 'topup' ? 'checkout.topupFor' : 'checkout.renewFor', { number: line.data?.msisdn ?? '…' })}</p>}
        <Link to={`/plans${lineId === null ? '' : `?line=${encodeURIComponent(lineId)}`}`}>{t('checkout.changePlan')}</Link>
      </section>

      {kind === 'new_sim' ? (
        <section className="card" aria-labelledby="sim-title">
          <h2 id="sim-title">{t('checkout.simTitle')}</h2>
          <fieldset>
            <legend className="visually-hidden">{t('checkout.simTitle')}</legend>
            <label className="radio"><input type="radio" name="sim" checked={simType === 'esim'} onChange={() => setSimType('esim')} />{t('checkout.esim')}</label>
            <label className="radio"><input type="radio" name="sim" checked={simType === 'physical'} onChange={() => setSimType('physical')} />{t('checkout.physical')}</label>
          </fieldset>
          {simType === 'physical' ? (
            <form onSubmit={(event) => { event.preventDefault(); void requote(appliedPromotion); }}>
              <AddressFields value={address} onChange={setAddress} />
              <button type="submit" className="button">{t('checkout.updateSummary')}</button>
            </form>
          ) : null}
        </section>
      ) : null}

      <section className="card" aria-labelledby="contact-title">
        <h2 id="contact-title">{t('checkout.contactTitle')}</h2>
        <Field label={t('fields.contact')} hint={t('checkout.contactHint')} name="contact" autoComplete="email" value={contact} onChange={(event) => setContact(event.target.value)} />
      </section>

      <section className="card" aria-labelledby="promo-title">
        <h2 id="promo-title">{t('checkout.promoTitle')}</h2>
        <form onSubmit={applyPromotion} className="inline-form">
          <Field label={t('fields.promotionCode')} name="promotionCode" autoCapitalize="characters" value={promotion} onChange={(event) => setPromotion(event.target.value)} />
          <button type="submit" className="button" disabled={quoting || promotion.trim() === ''}>{t('checkout.apply')}</button>
        </form>
        {appliedPromotion !== '' && quoteError === null ? <p className="notice notice-success" role="status">{t('checkout.promoApplied', { code: appliedPromotion })}</p> : null}
      </section>

      <section className="card" aria-labelledby="summary-title" aria-busy={quoting}>
        <h2 id="summary-title">{t('checkout.summaryTitle')}</h2>
        <ErrorNotice error={quoteError} />
        {quoting && quote === null ? <Loading /> : null}
        {quote === null ? null : <PriceSummary summary={quote} period={quote.period} promotionCode={quote.promotion?.code ?? null} bonusDataBytes={quote.promotion?.bonusDataBytes ?? 0} />}
        <label className="check">
          <input type="checkbox" checked={termsRead} onChange={(event) => setTermsRead(event.target.checked)} />
          <span>{t('checkout.termsRead')} <Link to={`/plans/${encodeURIComponent(plan.code)}`} target="_blank">{t('checkout.readTerms')}</Link></span>
        </label>
      </section>

      <section className="card" aria-labelledby="pay-title">
        <h2 id="pay-title">{t('checkout.payTitle')}</h2>
        <PaymentForm totalText={totalText} beforePay={placeOrder} disabled={!termsRead || quote === null || quoting}
          onFailure={(error) => { if (orderId.current !== null && isApiError(error) && error.code === 'orders.not_payable') orderId.current = null; }} />
        <ProviderPayment totalText={totalText} beforePay={placeOrder} disabled={!termsRead || quote === null || quoting} />
        {orderId.current === null ? null : <p className="hint"><Link to={`/orders/${encodeURIComponent(orderId.current)}`}>{t('checkout.seeOrder')}</Link></p>}
        {!termsRead ? <p className="hint">{t('checkout.termsFirst')}</p> : null}
      </section>
    </>
  );
}

/** Renew, top up or buy: plan, SIM, contact, promotion, every amount and the period, then pay. */
export default function Checkout() {
  const { t, language } = useLocale();
  const [params] = useSearchParams();
  const me = useMe().data;
  const plan = usePlan(params.get('plan') ?? undefined);
  const lineId = params.get('line');
  const currency = params.get('currency') ?? preferredCurrency(me?.currency, language);
  return (
    <section className="narrow">
      <h1>{lineId === null ? t('checkout.titleBuy') : plan.data?.kind === 'addon' ? t('checkout.titleTopup') : t('checkout.titleRenew')}</h1>
      {params.get('plan') === null ? (
        <p><Link className="button primary" to={`/plans${lineId === null ? '' : `?line=${encodeURIComponent(lineId)}`}`}>{t('checkout.choosePlan')}</Link></p>
      ) : null}
      <ErrorNotice error={plan.error} />
      {plan.isLoading ? <Loading /> : null}
      {plan.data === undefined ? null : <CheckoutForm plan={plan.data} lineId={lineId} currency={priceIn(plan.data, currency)?.currency ?? currency} />}
    </section>
  );
}
