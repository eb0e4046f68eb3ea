import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { api } from '../api/client';
import { keys } from '../api/queries';
import type { CodeSent, LineDetail } from '../api/types';
import { ErrorNotice } from '../components/ErrorNotice';
import { Field } from '../components/Field';
import { useAction } from '../components/useAction';

/** Attach a SIM bought in a shop: its number gets an SMS code, which proves the SIM is in hand. */
export default function ClaimLine() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const client = useQueryClient();
  const [msisdn, setMsisdn] = useState('');
  const [code, setCode] = useState('');
  const [sent, setSent] = useState<CodeSent | null>(null);
  const { busy, error, run } = useAction();
  const verify = async () => {
    const line = await api<LineDetail>('POST', '/lines/claim/verify', { body: { msisdn: msisdn.trim(), code: code.trim() } });
    client.setQueryData(keys.line(line.id), line);
    await client.invalidateQueries({ queryKey: keys.lines });
    await navigate(`/lines/${encodeURIComponent(line.id)}`);
  };
  return (
    <section className="narrow">
      <h1>{t('claim.title')}</h1>
      <p className="lead">{t('claim.lead')}</p>
      {sent === null ? (
        <form onSubmit={(event) => void run(async () => setSent(await api<CodeSent>('POST', '/lines/claim', { body: { msisdn: msisdn.trim() } })), event)} noValidate>
          <ErrorNotice error={error} />
          <Field label={t('fields.msisdn')} hint={t('auth.phoneHint')} type="tel" inputMode="tel" name="msisdn" required value={msisdn} onChange={(event) => setMsisdn(event.target.value)} />
          <button type="submit" className="button primary wide" disabled={busy}>{busy ? t('common.working') : t('auth.sendCode')}</button>
        </form>
      ) : (
        <form onSubmit={(event) => void run(verify, event)} noValidate>
          <p className="notice notice-info" role="status">{t('claim.codeSent', { to: sent.sentTo })}</p>
          <ErrorNotice error={error} />
          <Field label={t('fields.code')} name="code" autoComplete="one-time-code" inputMode="numeric" maxLength={6} required value={code} onChange={(event) => setCode(event.target.value)} />
          <button type="submit" className="button primary wide" disabled={busy}>{busy ? t('common.working') : t('claim.confirm')}</button>
        </form>
      )}
    </section>
  );
}
