import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { api } from '../api/client';
import type { SignedIn } from '../api/types';
import { ErrorNotice } from '../components/ErrorNotice';
import { Field } from '../components/Field';
import { useAfterSignIn } from '../lib/session';

export default function Verify() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const afterSignIn = useAfterSignIn();
  const [contact, setContact] = useState(params.get('contact') ?? '');
  const [code, setCode] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const sentTo = params.get('sentTo');
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await afterSignIn(await api<SignedIn>('POST', '/auth/verify', { body: { contact: contact.trim(), code: code.trim() } }), params.get('next') ?? undefined);
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };
  return (
    <section className="narrow">
      <h1>{t('auth.verifyTitle')}</h1>
      {sentTo === null ? <p className="lead">{t('auth.verifyLead')}</p> : (
        <p className="notice notice-info" role="status">{t(params.get('channel') === 'sms' ? 'auth.codeSentBySms' : 'auth.codeSentByEmail', { to: sentTo })}</p>
      )}
      <form onSubmit={(event) => void submit(event)} noValidate>
        <ErrorNotice error={error} />
        <Field label={t('fields.contact')} name="contact" autoComplete="username" required value={contact} onChange={(event) => setContact(event.target.value)} />
        <Field label={t('fields.code')} hint={t('auth.codeHint')} name="code" autoComplete="one-time-code" inputMode="numeric" maxLength={6} required
          value={code} onChange={(event) => setCode(event.target.value)} />
        <button type="submit" className="button primary wide" disabled={busy}>{busy ? t('common.working') : t('auth.verify')}</button>
      </form>
      <p className="center"><Link to="/sign-up">{t('auth.startAgain')}</Link></p>
    </section>
  );
}
