import { useEffect, useState, type FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { api } from '../api/client';
import { keys, useMe, useSessions } from '../api/queries';
import type { Language, Me } from '../api/types';
import { ErrorNotice } from '../components/ErrorNotice';
import { Field, SelectField } from '../components/Field';
import { SavedMethods } from '../components/payments/SavedMethods';
import { QueryState } from '../components/Status';
import { LANGUAGE_NAMES, switchLanguage } from '../i18n';
import { formatDateTime } from '../lib/format';
import { useLocale } from '../lib/locale';
import { CURRENCIES } from '../lib/plans';
import { useSignOut } from '../lib/session';

/** Runs a form's work with busy, error and "saved" states. */
function useSubmit() {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const submit = async (event: FormEvent | null, work: () => Promise<void>) => {
    event?.preventDefault();
    setBusy(true);
    setError(null);
    setDone(false);
    try {
      await work();
      setDone(true);
    } catch (caught) {
      setError(caught);
    }
    setBusy(false);
  };
  return { error, busy, done, submit };
}

function Profile({ me }: { me: Me }) {
  const { t } = useLocale();
  const client = useQueryClient();
  const [name, setName] = useState(me.name ?? '');
  const [language, setLanguage] = useState<Language>(me.language);
  const [currency, setCurrency] = useState(me.currency ?? '');
  const form = useSubmit();
  const save = () => form.submit(null, async () => {
    const updated = await api<Me>('PATCH', '/me', { body: { name: name.trim() === '' ? null : name.trim(), language, currency: currency === '' ? null : currency } });
    client.setQueryData(keys.me, updated);
    await switchLanguage(updated.language, { remember: true, chosen: true });
  });
  return (
    <form onSubmit={(event) => { event.preventDefault(); void save(); }}>
      <ErrorNotice error={form.error} />
      {form.done ? <p className="notice notice-success" role="status">{t('common.saved')}</p> : null}
      <dl className="facts">
        {me.email === null ? null : <div><dt>{t('fields.email')}</dt><dd>{me.email} {me.emailVerified ? <span className="badge badge-active">{t('account.verified')}</span> : null}</dd></div>}
        {me.phone === null ? null : <div><dt>{t('fields.phone')}</dt><dd>{me.phone} {me.phoneVerified ? <span className="badge badge-active">{t('account.verified')}</span> : null}</dd></div>}
      </dl>
      <Field label={t('fields.name')} name="name" autoComplete="name" value={name} onChange={(event) => setName(event.target.value)} />
      <SelectField label={t('nav.language')} value={language} onChange={(value) => setLanguage(value as Language)} name="language"
        options={(Object.keys(LANGUAGE_NAMES) as Language[]).map((value) => ({ value, label: LANGUAGE_NAMES[value] }))} />
      <SelectField label={t('fields.currency')} value={currency} onChange={setCurrency} name="currency"
        options={[{ value: '', label: t('account.currencyAuto') }, ...CURRENCIES.map((value) => ({ value, label: value }))]} />
      <button type="submit" className="button primary" disabled={form.busy}>{form.busy ? t('common.working') : t('common.save')}</button>
    </form>
  );
}

function Notifications({ me }: { me: Me }) {
  const { t } = useLocale();
  const client = useQueryClient();
  const form = useSubmit();
  // The box follows the tap at once (on a slow connection the answer takes a while), and goes
  // back to what the profile says if saving fails.
  const [optIn, setOptIn] = useState(me.marketingOptIn);
  useEffect(() => setOptIn(me.marketingOptIn), [me.marketingOptIn]);
  const toggle = (marketingOptIn: boolean) => {
    setOptIn(marketingOptIn);
    return form.submit(null, async () => {
      try {
        client.setQueryData(keys.me, await api<Me>('PATCH', '/me', { body: { marketingOptIn } }));
      } catch (error) {
        setOptIn(me.marketingOptIn);
        throw error;
      }
    });
  };
  return (
    <>
      <ErrorNotice error={form.error} />
      {form.done ? <p className="notice notice-success" role="status">{t('common.saved')}</p> : null}
      <label className="check">
        <input type="checkbox" checked={optIn} disabled={form.busy} onChange={(event) => void toggle(event.target.checked)} />
        {t('account.marketing')}
      </label>
      <p className="hint">{t('account.marketingHint')}</p>
    </>
  );
}

function PasswordChange() {
  const { t } = useLocale();
  const client = useQueryClient();
  const [currentPassword, setCurrent] = useState('');
  const [newPassword, setNew] = useState('');
  const form = useSubmit();
  return (
    <form onSubmit={(event) => void form.submit(event, async () => {
      await api('POST', '/me/password', { body: { currentPassword, newPassword } });
      setCurrent('');
      setNew('');
      await client.invalidateQueries({ queryKey: keys.sessions });
    })}>
      <ErrorNotice error={form.error} />
      {form.done ? <p className="notice notice-success" role="status">{t('account.passwordChanged')}</p> : null}
      <Field label={t('fields.currentPassword')} type="password" name="currentPassword" autoComplete="current-password" required value={currentPassword} onChange={(event) => setCurrent(event.target.value)} />
      <Field label={t('fields.newPassword')} hint={t('auth.passwordHint')} type="password" name="newPassword" autoComplete="new-password" required value={newPassword} onChange={(event) => setNew(event.target.value)} />
      <button type="submit" className="button" disabled={form.busy}>{t('account.changePassword')}</button>
    </form>
  );
}

/** A readable device name from a user agent, without a parsing library. */
function deviceOf(userAgent: string): string {
  const os = /iPhone|iPad|Android|Windows|Mac OS X|Linux/.exec(userAgent)?.[0]?.replace('Mac OS X', 'macOS') ?? '';
  const browser = /Edg|Chrome|Firefox|Safari/.exec(userAgent)?.[0]?.replace('Edg', 'Edge') ?? '';
  return [browser, os].filter(Boolean).join(' · ') || userAgent.slice(0, 40);
}

function Sessions() {
  const { t, locale } = useLocale();
  const client = useQueryClient();
  const sessions = useSessions();
  const signOut = useSignOut();
  const form = useSubmit();
  return (
    <QueryState isPending={sessions.isPending} error={sessions.error}>
      {() => (
        <>
          <ErrorNotice error={form.error} />
          <ul className="plain sessions">
            {(sessions.data ?? []).map((session) => (
              <li key={session.id}>
                <div>
                  <strong>{deviceOf(session.userAgent)}</strong> {session.current ? <span className="badge badge-active">{t('account.thisDevice')}</span> : null}
                  <p className="muted">{t('account.lastSeen', { date: formatDateTime(session.lastSeenAt, locale), ip: session.ip })}</p>
                </div>
                {session.current ? null : (
                  <button type="button" className="button small" disabled={form.busy} onClick={() => void form.submit(null, async () => {
                    await api('DELETE', `/me/sessions/${encodeURIComponent(session.id)}`);
                    await client.invalidateQueries({ queryKey: keys.sessions });
                  })}>{t('account.signOutSession')}</button>
                )}
              </li>
            ))}
          </ul>
          <button type="button" className="button danger" onClick={() => void form.submit(null, () => signOut(true))}>{t('account.signOutEverywhere')}</button>
        </>
      )}
    </QueryState>
  );
}

export default function Account() {
  const { t } = useLocale();
  const me = useMe().data;
  const signOut = useSignOut();
  const [signOutError, setSignOutError] = useState<unknown>(null);
  if (me === null || me === undefined) return null;
  return (
    <section>
      <h1>{t('account.title')}</h1>
      <section className="card" aria-labelledby="profile-title"><h2 id="profile-title">{t('account.profile')}</h2><Profile me={me} /></section>
      <section className="card" aria-labelledby="notify-title"><h2 id="notify-title">{t('account.notifications')}</h2><Notifications me={me} /></section>
      <section className="card" aria-labelledby="password-title"><h2 id="password-title">{t('account.password')}</h2><PasswordChange /></section>
      <section className="card" aria-labelledby="sessions-title"><h2 id="sessions-title">{t('account.sessions')}</h2><Sessions /></section>
      <section className="card" aria-labelledby="methods-title"><h2 id="methods-title">{t('account.paymentMethods')}</h2><SavedMethods /></section>
      <ErrorNotice error={signOutError} />
      <button type="button" className="button wide" onClick={() => void signOut(false).catch(setSignOutError)}>{t('account.signOut')}</button>
    </section>
  );
}
