import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { clearSessionCookie, requestMeta, requireCustomer, setSessionCookie } from '../../platform/http.js';
import { languageFromHeader } from '../../platform/i18n.js';
import type { AccountsService } from './index.js';
import {
  CodeRequestedReply, ContactBody, ContactChangeBody, ContactChangeVerifyBody, LoginBody, LogoutBody, Me, PasswordChangeBody,
  PatchMeBody, RegisterBody, ResetConfirmBody, SecurityEventView, SessionIdParams, SessionView, SignedInReply, VerifyBody,
  toMe, toSecurityEventView, toSessionView,
} from './accounts.schemas.js';

/** Per-IP burst limit on every sign-in route (the per-destination limits live in the database). */
const authRateLimit = { rateLimit: { max: 30, timeWindow: '1 minute' } };
const auth = ['auth'];
const me = ['me'];

export function accountsRoutes(accounts: AccountsService, secureCookies: boolean): FastifyPluginAsyncZod {
  return async (app) => {
    const signedIn = (reply: Parameters<typeof setSessionCookie>[0], result: Awaited<ReturnType<AccountsService['signIn']['signInWithCode']>>) => {
      setSessionCookie(reply, result.token, result.expiresAtMs, secureCookies);
      return { customer: toMe(result.customer), sessionExpiresAt: new Date(result.expiresAtMs).toISOString() };
    };

    app.post('/auth/register', { config: authRateLimit, schema: { tags: auth, summary: 'Create an account; a code is sent to verify the contact', body: RegisterBody, response: { 202: CodeRequestedReply } } },
      async (request, reply) => {
        const body = request.body;
        const result = await accounts.signIn.register({ ...body, language: body.language ?? languageFromHeader(request.headers['accept-language']) }, requestMeta(request));
        return reply.code(202).send({ status: 'code_sent' as const, ...result });
      });

    app.post('/auth/verify', { config: authRateLimit, schema: { tags: auth, summary: 'Verify the contact with its code; signs in', body: VerifyBody, response: { 200: SignedInReply } } },
      async (request, reply) => signedIn(reply, await accounts.signIn.verifyContact(request.body, requestMeta(request))));

    app.post('/auth/login', { config: authRateLimit, schema: { tags: auth, summary: 'Sign in with e-mail or phone and password', body: LoginBody, response: { 200: SignedInReply } } },
      async (request, reply) => signedIn(reply, await accounts.signIn.signInWithPassword(request.body, requestMeta(request))));

    app.post('/auth/login/code', { config: authRateLimit, schema: { tags: auth, summary: 'Send a sign-in code by SMS', body: ContactBody, response: { 202: CodeRequestedReply } } },
      async (request, reply) => reply.code(202).send({ status: 'code_sent' as const, ...(await accounts.signIn.requestSignInCode(request.body, requestMeta(request))) }));

    app.post('/auth/login/code/verify', { config: authRateLimit, schema: { tags: auth, summary: 'Sign in with the SMS code', body: VerifyBody, response: { 200: SignedInReply } } },
      async (request, reply) => signedIn(reply, await accounts.signIn.signInWithCode(request.body, requestMeta(request))));

    app.post('/auth/password-reset', { config: authRateLimit, schema: { tags: auth, summary: 'Send a password reset code (same answer whether or not the account exists)', body: ContactBody, response: { 202: CodeRequestedReply } } },
      async (request, reply) => reply.code(202).send({ status: 'code_sent' as const, ...(await accounts.signIn.requestPasswordReset(request.body, requestMeta(request))) }));

    app.post('/auth/password-reset/confirm', { config: authRateLimit, schema: { tags: auth, summary: 'Set a new password with the reset code; every session ends', body: ResetConfirmBody, response: { 200: z.object({ status: z.literal('password_changed') }) } } },
      async (request) => {
        await accounts.signIn.confirmPasswordReset(request.body, requestMeta(request));
        return { status: 'password_changed' as const };
      });

    app.post('/auth/logout', { schema: { tags: auth, summary: 'Sign out of this session, or of every session', body: LogoutBody, response: { 200: z.object({ revokedSessions: z.number().int() }) } } },
      async (request, reply) => {
        const principal = requireCustomer(request);
        const revokedSessions = await accounts.signIn.signOut(principal, request.body.allSessions, requestMeta(request));
        clearSessionCookie(reply, secureCookies);
        return { revokedSessions };
      });

    app.get('/me', { schema: { tags: me, summary: 'The signed-in customer', response: { 200: Me } } },
      async (request) => toMe(await accounts.profile.getCustomer(requireCustomer(request).customerId)));

    app.patch('/me', { schema: { tags: me, summary: 'Change name, language, currency or marketing consent', body: PatchMeBody, response: { 200: Me } } },
      async (request) => toMe(await accounts.profile.updateProfile(requireCustomer(request).customerId, request.body)));

    app.post('/me/password', { config: authRateLimit, schema: { tags: me, summary: 'Change the password; other sessions end', body: PasswordChangeBody, response: { 200: z.object({ status: z.literal('password_changed') }) } } },
      async (request) => {
        const principal = requireCustomer(request);
        await accounts.profile.changePassword(principal.customerId, principal.sessionId, request.body.currentPassword, request.body.newPassword, requestMeta(request));
        return { status: 'password_changed' as const };
      });

    app.post('/me/contact', { config: authRateLimit, schema: { tags: me, summary: 'Change e-mail or phone: needs the password; a code goes to the new contact', body: ContactChangeBody, response: { 202: CodeRequestedReply } } },
      async (request, reply) => {
        const result = await accounts.profile.requestContactChange(requireCustomer(request).customerId, request.body, requestMeta(request));
        return reply.code(202).send({ status: 'code_sent' as const, ...result });
      });

    app.post('/me/contact/verify', { config: authRateLimit, schema: { tags: me, summary: 'Confirm the new contact with its code; the old contact is told', body: ContactChangeVerifyBody, response: { 200: Me } } },
      async (request) => toMe(await accounts.profile.confirmContactChange(requireCustomer(request).customerId, request.body.code, requestMeta(request))));

    app.get('/me/sessions', { schema: { tags: me, summary: 'Signed-in sessions', response: { 200: z.object({ sessions: z.array(SessionView) }) } } },
      async (request) => {
        const principal = requireCustomer(request);
        const rows = await accounts.profile.listSessions(principal.customerId);
        return { sessions: rows.map((row) => toSessionView(row, principal.sessionId)) };
      });

    app.delete('/me/sessions/:id', { schema: { tags: me, summary: 'Sign out one session', params: SessionIdParams, response: { 204: z.null() } } },
      async (request, reply) => {
        await accounts.profile.revokeSession(requireCustomer(request).customerId, request.params.id, requestMeta(request));
        return reply.code(204).send(null);
      });

    app.get('/me/security-events', { schema: { tags: me, summary: 'Recent security events of the account', response: { 200: z.object({ events: z.array(SecurityEventView) }) } } },
      async (request) => ({ events: (await accounts.profile.listSecurityEvents(requireCustomer(request).customerId)).map(toSecurityEventView) }));
  };
}
