import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { api } from '../api/client';
import type { CodeSent } from '../api/types';
import { ErrorNotice } from '../components/ErrorNotice';
import { Field } from '../components/Field';
import { currentLanguage } from '../i18n';

export default function SignUp() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [contact, setContact] = useState('');
  const [password, setPassword] = useState('');
  const [name, setName] = useState('');
  const [showPassword, setShowPassword] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = { contact: contact.trim(), password, language: currentLanguage(), ...(name.trim() === '' ? {} : { name: name.trim() }) };
      const sent = await api<CodeSent>('POST', '/auth/register', { body });
      const query = new URLSearchParams({ contact: contact.trim(), sentTo: sent.sentTo, channel: sent.channel });
      const next = params.get('next');
      if (next !== null) query.set('next', next);
      await navigate(`/verify?${query.toString()}`);
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };
  return (
    <section className="narrow">
      <h1>{t('auth.signUpTitle')}</h1>
      <p className="lead">{t('auth.signUpLead')}</p>
      <form onSubmit={(event) => void submit(event)} noValidate>
        <ErrorNotice error={error} />
        <Field label={t('fields.contact')} hint={t('auth.contactHint')} name="contact" autoComplete="username" required
          value={contact} onChange={(event) => setContact(event.target.value)} />
        <Field label={t('fields.password')} hint={t('auth.passwordHint')} type={showPassword ? 'text' : 'password'} name="password"
          autoComplete="new-password" required minLength={8} maxLength={128}
          value={password} onChange={(event) => setPassword(event.target.value)} />
        <label className="check">
          <input type="checkbox" checked={showPassword} onChange={(event) => setShowPassword(event.target.checked)} />
          {t('auth.showPassword')}
        </label>
        <Field label={t('fields.nameOptional')} name="name" autoComplete="name" value={name} onChange={(event) => setName(event.target.value)} />
        <button type="submit" className="button primary wide" disabled={busy}>{busy ? t('common.working') : t('auth.createAccount')}</button>
      </form>
      <p className="center">{t('auth.haveAccount')} <Link to="/sign-in">{t('auth.signIn')}</Link></p>
    </section>
  );
}
