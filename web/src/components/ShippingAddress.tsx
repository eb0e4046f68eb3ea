import type { OrderView } from '../api/types';
import { countryName } from '../lib/format';
import { useLocale } from '../lib/locale';

const LINES = ['name', 'line1', 'line2', 'city', 'region', 'postalCode'] as const;

/** Where a SIM card order is sent, as the customer typed it, with the country named in their language. */
export function ShippingAddress({ order }: { order: Pick<OrderView, 'newSim'> }) {
  const { t, locale } = useLocale();
  const address = order.newSim?.type === 'physical' ? order.newSim.shippingAddress : null;
  if (address === null || address === undefined) return null;
  const text = (key: string): string => {
    const value = address[key];
    return typeof value === 'string' ? value : '';
  };
  return (
    <div className="shipping">
      <h3>{t('address.title')}</h3>
      <address>
        {LINES.map((key) => text(key)).filter((value) => value !== '').map((value, index) => <span key={index}>{value}<br /></span>)}
        {text('country') === '' ? null : countryName(text('country'), locale)}
      </address>
    </div>
  );
}
