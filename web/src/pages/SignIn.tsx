import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation, useSearchParams } from 'react-router';
import { api, isApiError } from '../api/client';
import type { CodeSent, SignedIn } from '../api/types';
import { ErrorNotice } from '../components/ErrorNotice';
import { Field } from '../components/Field';
import { useAfterSignIn } from '../lib/session';

type Mode = 'password' | 'code';

function PasswordForm({ next }: { next: string | null }) {
  const { t } = useTranslation();
  const afterSignIn = useAfterSignIn();
  const [contact, setContact] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await afterSignIn(await api<SignedIn>('POST', '/auth/login', { body: { contact: contact.trim(), password } }), next ?? undefined);
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };
  const unverified = isApiError(error) && error.code === 'accounts.not_verified';
  return (
    <form onSubmit={(event) => void submit(event)} noValidate>
      <ErrorNotice error={error} />
      {unverified ? <p><Link to={`/verify?contact=${encodeURIComponent(contact.trim())}`}>{t('auth.verifyNow')}</Link></p> : null}
      <Field label={t('fields.contact')} hint={t('auth.contactHint')} name="contact" autoComplete="username" required
        value={contact} onChange={(event) => setContact(event.target.value)} />
      <Field label={t('fields.password')} type="password" name="password" autoComplete="current-password" required
        value={password} onChange={(event) => setPassword(event.target.value)} />
      <button type="submit" className="button primary wide" disabled={busy}>{busy ? t('common.working') : t('auth.signIn')}</button>
      <p className="center"><Link to="/forgot-password">{t('auth.forgot')}</Link></p>
    </form>
  );
}

function CodeForm({ next }: { next: string | null }) {
  const { t } = useTranslation();
  const afterSignIn = useAfterSignIn();
  const [phone, setPhone] = useState('');
  const [code, setCode] = useState('');
  const [sent, setSent] = useState<CodeSent | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const requestCode = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      setSent(await api<CodeSent>('POST', '/auth/login/code', { body: { contact: phone.trim() } }));
    } catch (caught) {
      setError(caught);
    }
    setBusy(false);
  };
  const verify = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await afterSignIn(await api<SignedIn>('POST', '/auth/login/code/verify', { body: { contact: phone.trim(), code: code.trim() } }), next ?? undefined);
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };
  if (sent === null) {
    return (
      <form onSubmit={(event) => void requestCode(event)} noValidate>
        <ErrorNotice error={error} />
        <Field label={t('fields.phone')} hint={t('auth.phoneHint')} type="tel" name="phone" autoComplete="tel" inputMode="tel" required
          value={phone} onChange={(event) => setPhone(event.target.value)} />
        <button type="submit" className="button primary wide" disabled={busy}>{busy ? t('common.working') : t('auth.sendCode')}</button>
      </form>
    );
  }
  return (
    <form onSubmit={(event) => void verify(event)} noValidate>
      <p className="notice notice-info" role="status">{t('auth.codeSentTo', { to: sent.sentTo })}</p>
      <ErrorNotice error={error} />
      <Field label={t('fields.code')} name="code" autoComplete="one-time-code" inputMode="numeric" maxLength={6} required
        value={code} onChange={(event) => setCode(event.target.value)} />
      <button type="submit" className="button primary wide" disabled={busy}>{busy ? t('common.working') : t('auth.signIn')}</button>
      <button type="button" className="button link" onClick={() => { setSent(null); setCode(''); }}>{t('auth.useAnotherNumber')}</button>
    </form>
  );
}

export function SignIn() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const location = useLocation();
  const [mode, setMode] = useState<Mode>('password');
  const signedOut = (location.state as { signedOut?: string } | null)?.signedOut;
  const next = params.get('next');
  return (
    <section className="narrow">
      <h1>{t('auth.signInTitle')}</h1>
      {signedOut === undefined ? null : <p className="notice notice-info" role="status">{t(signedOut === 'all' ? 'auth.signedOutAll' : 'auth.signedOut')}</p>}
      <div className="segmented" role="group" aria-label={t('auth.signInWith')}>
        <button type="button" aria-pressed={mode === 'password'} onClick={() => setMode('password')}>{t('auth.withPassword')}</button>
        <button type="button" aria-pressed={mode === 'code'} onClick={() => setMode('code')}>{t('auth.withCode')}</button>
      </div>
      {mode === 'password' ? <PasswordForm next={next} /> : <CodeForm next={next} />}
      <p className="center">{t('auth.noAccount')} <Link to={`/sign-up${next === null ? '' : `?next=${encodeURIComponent(next)}`}`}>{t('auth.signUp')}</Link></p>
    </section>
  );
}
