import { useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { api } from '../api/client';
import { resetForAccountChange } from '../api/queries';
import type { Me, SignedIn } from '../api/types';
import { chosenThisVisit, switchLanguage } from '../i18n';

/**
 * What happens after any sign-in (password, SMS code, verification): the cache is reset for the new
 * customer and the language settles: a language picked on this device in this visit wins and is
 * saved to the profile; otherwise the profile's language is applied.
 */
export function useAfterSignIn(): (result: SignedIn, next?: string) => Promise<void> {
  const client = useQueryClient();
  const navigate = useNavigate();
  return async (result, next) => {
    let customer: Me = result.customer;
    const chosen = chosenThisVisit();
    if (chosen !== undefined && chosen !== customer.language) {
      customer = await api<Me>('PATCH', '/me', { body: { language: chosen } }).catch(() => customer);
    } else {
      await switchLanguage(customer.language, { remember: true, chosen: false });
    }
    resetForAccountChange(client, customer);
    await navigate(safeNext(next), { replace: true });
  };
}

/** Only same-site paths are followed after sign-in (no open redirect through `?next=`). */
export function safeNext(next: string | undefined | null): string {
  if (next === undefined || next === null || !next.startsWith('/') || next.startsWith('//')) return '/';
  return next;
}

export function useSignOut(): (allSessions: boolean) => Promise<void> {
  const client = useQueryClient();
  const navigate = useNavigate();
  return async (allSessions) => {
    await api('POST', '/auth/logout', { body: { allSessions } });
    resetForAccountChange(client, null);
    await navigate('/sign-in', { replace: true, state: { signedOut: allSessions ? 'all' : 'this' } });
  };
}
