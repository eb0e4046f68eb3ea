import { Suspense, useEffect, useRef } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, NavLink, Navigate, Outlet, useLocation, useSearchParams } from 'react-router';
import { api } from '../api/client';
import { useMe } from '../api/queries';
import { safeNext } from '../lib/session';
import { LanguageSwitcher } from './LanguageSwitcher';
import { Loading } from './Status';

/** Whether the server keeps a development outbox (it does not in production). */
function useHasDevOutbox(): boolean {
  const probe = useQuery({
    queryKey: ['dev-outbox-probe'],
    queryFn: async () => {
      await api('GET', '/dev/outbox?to=probe@invalid');
      return true;
    },
    retry: false,
    staleTime: Infinity,
  });
  return probe.data === true;
}

/**
 * After each navigation, moves focus to the new page's heading (so screen readers announce it) and
 * names the tab after it. Pages load lazily: it waits for the new heading to replace the old one.
 */
function useFocusOnNavigate() {
  const location = useLocation();
  const first = useRef(true);
  useEffect(() => {
    const previous = document.querySelector<HTMLElement>('main h1');
    const previousText = previous?.textContent;
    const isFirst = first.current;
    first.current = false;
    let frame = 0;
    const startedMs = performance.now();
    const settle = () => {
      const heading = document.querySelector<HTMLElement>('main h1');
      const fresh = heading !== null && (heading !== previous || heading.textContent !== previousText || isFirst);
      if (!fresh && performance.now() - startedMs < 3_000) {
        frame = requestAnimationFrame(settle);
        return;
      }
      if (heading === null) return;
      document.title = `${heading.textContent ?? ''} · Roamline`;
      // Which page is on screen, for the browser tests (pages load lazily, so the URL changes first).
      document.documentElement.dataset.page = window.location.pathname;
      if (isFirst) return;
      heading.tabIndex = -1;
      heading.focus({ preventScroll: false });
    };
    frame = requestAnimationFrame(settle);
    return () => cancelAnimationFrame(frame);
  }, [location.pathname]);
}

function TabIcon({ name }: { name: 'lines' | 'plans' | 'orders' | 'account' }) {
  const paths = {
    lines: 'M7 2h7l5 5v13a2 2 0 0 1-2 2H7a2 2 0 0 1-2-2V4a2 2 0 0 1 2-2Zm1 9v7h8v-7H8Z',
    plans: 'M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20Zm0 2c1.3 1.7 2.2 4.6 2.4 7H9.6C9.8 8.6 10.7 5.7 12 4Zm-7.9 9h3.5c.1 2.2.7 4.3 1.6 6A8 8 0 0 1 4.1 13Zm3.5-2H4.1a8 8 0 0 1 5.1-6c-.9 1.7-1.5 3.8-1.6 6Zm4.4 9c-1.3-1.7-2.2-4.6-2.4-7h4.8c-.2 2.4-1.1 5.3-2.4 7Zm2.8-1c.9-1.7 1.5-3.8 1.6-6h3.5a8 8 0 0 1-5.1 6Zm1.6-8c-.1-2.2-.7-4.3-1.6-6a8 8 0 0 1 5.1 6h-3.5Z',
    orders: 'M6 2h12a2 2 0 0 1 2 2v18l-3-2-2 2-3-2-3 2-2-2-3 2V4a2 2 0 0 1 2-2Zm2 5v2h8V7H8Zm0 4v2h8v-2H8Z',
    account: 'M12 12a5 5 0 1 0 0-10 5 5 0 0 0 0 10Zm0 2c-4.4 0-8 2.2-8 5v3h16v-3c0-2.8-3.6-5-8-5Z',
  } as const;
  return <svg aria-hidden="true" viewBox="0 0 24 24" className="icon"><path d={paths[name]} /></svg>;
}

/** The frame of every page: header with the language switcher, the page, and (signed in) the tab bar. */
export function Layout() {
  const { t } = useTranslation();
  const me = useMe().data;
  const hasOutbox = useHasDevOutbox();
  useFocusOnNavigate();
  const signedIn = me !== null && me !== undefined;
  return (
    <>
      <a className="skip-link" href="#main">{t('nav.skip')}</a>
      <header className="topbar">
        <Link to="/" className="brand"><span className="brand-mark" aria-hidden="true">R</span>Roamline</Link>
        <LanguageSwitcher />
        {signedIn ? null : <Link to="/sign-in" className="topbar-link">{t('nav.signIn')}</Link>}
      </header>
      <main id="main" className={signedIn ? 'with-tabs' : undefined}>
        <Suspense fallback={<Loading />}>
          <Outlet />
        </Suspense>
      </main>
      <footer className="footer">
        <Link to="/plans">{t('nav.plans')}</Link>
        {hasOutbox ? <Link to="/dev/mailbox">{t('nav.devMailbox')}</Link> : null}
        <a href="/api/docs">{t('nav.apiDocs')}</a>
      </footer>
      {signedIn ? (
        <nav className="tabbar" aria-label={t('nav.main')}>
          <NavLink to="/" end><TabIcon name="lines" />{t('nav.lines')}</NavLink>
          <NavLink to="/plans"><TabIcon name="plans" />{t('nav.plans')}</NavLink>
          <NavLink to="/orders"><TabIcon name="orders" />{t('nav.orders')}</NavLink>
          <NavLink to="/account"><TabIcon name="account" />{t('nav.account')}</NavLink>
        </nav>
      ) : null}
    </>
  );
}

/** Pages for signed-in customers: others go to sign-in and come back afterwards. */
export function RequireAuth() {
  const me = useMe();
  const location = useLocation();
  if (me.isPending) return <Loading />;
  if (me.data === null || me.data === undefined) {
    return <Navigate to={`/sign-in?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  }
  return <Outlet />;
}

/** Pages for signed-out visitors (sign-in, sign-up): a signed-in customer goes home. */
export function SignedOutOnly() {
  const me = useMe();
  const [params] = useSearchParams();
  if (me.isPending) return <Loading />;
  if (me.data !== null && me.data !== undefined) return <Navigate to={safeNext(params.get('next'))} replace />;
  return <Outlet />;
}
