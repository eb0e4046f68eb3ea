import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api } from '../api/client';
import type { CodeSent } from '../api/types';
import { ErrorNotice } from '../components/ErrorNotice';
import { Field } from '../components/Field';
import { useAction } from '../components/useAction';

export default function ForgotPassword() {
  const { t } = useTranslation();
  const [contact, setContact] = useState('');
  const [code, setCode] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const [sent, setSent] = useState<CodeSent | null>(null);
  const [done, setDone] = useState(false);
  const { busy, error, run } = useAction();
  if (done) {
    return (
      <section className="narrow">
        <h1>{t('auth.resetDoneTitle')}</h1>
        <p className="notice notice-success" role="status">{t('auth.resetDone')}</p>
        <Link className="button primary wide" to="/sign-in">{t('auth.signIn')}</Link>
      </section>
    );
  }
  return (
    <section className="narrow">
      <h1>{t('auth.forgotTitle')}</h1>
      {sent === null ? (
        <form onSubmit={(event) => void run(async () => setSent(await api<CodeSent>('POST', '/auth/password-reset', { body: { contact: contact.trim() } })), event)} noValidate>
          <p className="lead">{t('auth.forgotLead')}</p>
          <ErrorNotice error={error} />
          <Field label={t('fields.contact')} hint={t('auth.contactHint')} name="contact" autoComplete="username" required value={contact} onChange={(event) => setContact(event.target.value)} />
          <button type="submit" className="button primary wide" disabled={busy}>{busy ? t('common.working') : t('auth.sendCode')}</button>
        </form>
      ) : (
        <form onSubmit={(event) => void run(async () => {
          await api('POST', '/auth/password-reset/confirm', { body: { contact: contact.trim(), code: code.trim(), newPassword } });
          setDone(true);
        }, event)} noValidate>
          <p className="notice notice-info" role="status">{t('auth.resetCodeSent', { to: sent.sentTo })}</p>
          <ErrorNotice error={error} />
          <Field label={t('fields.code')} name="code" autoComplete="one-time-code" inputMode="numeric" maxLength={6} required value={code} onChange={(event) => setCode(event.target.value)} />
          <Field label={t('fields.newPassword')} hint={t('auth.passwordHint')} type="password" name="newPassword" autoComplete="new-password" required
            value={newPassword} onChange={(event) => setNewPassword(event.target.value)} />
          <button type="submit" className="button primary wide" disabled={busy}>{busy ? t('common.working') : t('auth.setPassword')}</button>
        </form>
      )}
      <p className="center"><Link to="/sign-in">{t('auth.backToSignIn')}</Link></p>
    </section>
  );
}
