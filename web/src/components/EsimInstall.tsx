import { useEffect, useState } from 'react';
import QRCode from 'qrcode';
import type { EsimView } from '../api/types';
import { useLocale } from '../lib/locale';

/** Apple's one-tap eSIM installation link (iOS 17.4 and later) for an LPA activation code. */
export function appleInstallUrl(activationCode: string): string {
  return `https://esimsetup.apple.com/esim_qrcode_provisioning?carddata=${encodeURIComponent(activationCode)}`;
}

function CopyField({ label, value }: { label: string; value: string }) {
  const { t } = useLocale();
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(true);
      setTimeout(() => setCopied(false), 2_000);
    } catch {
      setCopied(false);
    }
  };
  return (
    <div className="copy-field">
      <dt>{label}</dt>
      <dd>
        <code>{value}</code>
        <button type="button" className="button small" onClick={() => void copy()} aria-label={t('esim.copyLabel', { label })}>
          {copied ? t('esim.copied') : t('esim.copy')}
        </button>
      </dd>
    </div>
  );
}

/** The eSIM's QR code, the iPhone one-tap link and the fields to type in by hand. */
export default function EsimInstall({ esim }: { esim: EsimView }) {
  const { t } = useLocale();
  const [svg, setSvg] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    // Error correction M: scannable from a second screen at arm's length; the code is short.
    void QRCode.toString(esim.activationCode, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }).then((text) => {
      if (live) setSvg(text);
    });
    return () => {
      live = false;
    };
  }, [esim.activationCode]);
  return (
    <div className="esim">
      <ol className="steps">
        <li>{t('esim.stepWifi')}</li>
        <li>{t('esim.stepScan')}</li>
        <li>{t('esim.stepRoaming')}</li>
      </ol>
      {svg === null ? null : (
        <figure className="qr">
          <div className="qr-image" role="img" aria-label={t('esim.qrAlt')} dangerouslySetInnerHTML={{ __html: svg }} />
          <figcaption className="hint">{t('esim.qrCaption')}</figcaption>
        </figure>
      )}
      <a className="button primary wide" href={appleInstallUrl(esim.activationCode)} rel="noopener" target="_blank">{t('esim.installIphone')}</a>
      <p className="hint">{t('esim.installIphoneHint')}</p>
      <h3>{t('esim.manualTitle')}</h3>
      <p className="hint">{t('esim.manualHint')}</p>
      <dl className="copy-list">
        <CopyField label={t('esim.smdpAddress')} value={esim.smdpAddress} />
        <CopyField label={t('esim.matchingId')} value={esim.matchingId} />
        <CopyField label={t('esim.activationCode')} value={esim.activationCode} />
      </dl>
    </div>
  );
}
