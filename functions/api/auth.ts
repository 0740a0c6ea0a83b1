/** Accounts (sign-up; sign-in is in sign-in.ts), sessions, MFA, API keys, passwords, audit log and the local mail outbox. */
import { loadEnv } from '../platform/env';
import * as c from '../contracts/identity';
import * as e from '../contracts/email-auth';
import { userTenant } from '../tenancy/tenant';
import { DomainError } from '../errors';
import { clearSessionCookie, magicLinkCookie } from '../http/cookies';
import { bind, httpFunction } from '../http/handler';
import { accessRecorder } from './access-recorder';
import type { RequestMeta } from '../http/auth';
import { getUser, signup, userView } from '../identity/accounts';
import { signedIn } from './signed-in';
import { createApiKey, deleteApiKey, deleteCallingApiKey, listApiKeys } from '../identity/api-keys';
import { identityFromEnv } from '../identity/from-env';
import { confirmTotp, disableTotp, enrollTotp } from '../identity/mfa';
import { changePassword, requestPasswordReset, resetPassword } from '../identity/password-reset';
import { requestMagicLink } from '../identity/magic-link-request';
import { requestEmailChange, resendVerification, verifyEmail } from '../identity/email-verification';
import { listSessions, revokeAllSessions, revokeSession } from '../identity/sessions';
import { readCredential } from '../identity/authenticate';
import { csrfTokenFor, parseToken } from '../identity/tokens';
import { mailerFromEnv } from '../mail/from-env';
import { readOutbox } from '../mail/outbox';
import { auditPage, chainReport } from './audit-views';
import { dependencyHealthRoute } from './dependency-health';
import { requireHuman, turnstileFromEnv, widgetOf } from '../identity/turnstile';

const env = loadEnv(['mail']);
const { deps, authenticate } = identityFromEnv(mailerFromEnv(env));
const turnstile = turnstileFromEnv();
const ctxOf = (m: RequestMeta) => ({ requestId: m.requestId, ip: m.ip, userAgent: m.userAgent });

export const handler = httpFunction(
  'auth',
  [
    bind(c.signup, async (req) => {
      await requireHuman(turnstile, req.body.turnstileToken, req.ip);
      const { user, session } = await signup(deps, req.body, ctxOf(req));
      return signedIn(user, session, req.body.client, 201, deps.now());
    }),
    bind(c.logout, async (req) => {
      await revokeSession(deps, req.principal, req.principal.credentialId, ctxOf(req), 'logout');
      authenticate.forget(req.principal.userId);
      return { status: 204, cookies: [clearSessionCookie()] };
    }),
    bind(c.getMe, async (req) => {
      const read = authenticate.userRead(req.event); // this request's authentication read it already
      const user = read ? userView(req.principal.userId, read) : await getUser(deps, req.principal.userId);
      const credential = readCredential(req.event);
      const secret = req.principal.viaCookie && credential ? parseToken(credential.token)?.secret : undefined;
      return { body: { user, credential: req.principal.credential, ...(secret ? { csrfToken: csrfTokenFor(secret) } : {}) } };
    }),
    bind(c.getSessionStatus, async (req) => {
      try {
        const principal = await authenticate(req.event, c.getMe);
        const credential = readCredential(req.event);
        const secret = principal.viaCookie && credential ? parseToken(credential.token)?.secret : undefined;
        return {
          body: { signedIn: true, expired: false, user: await getUser(deps, principal.userId), ...(secret ? { csrfToken: csrfTokenFor(secret) } : {}) },
        };
      } catch (err) {
        if (err instanceof DomainError && (err.kind === 'unauthenticated' || err.kind === 'session-expired' || err.kind === 'forbidden')) {
          return { body: { signedIn: false, expired: err.kind === 'session-expired' } };
        }
        throw err;
      }
    }),
    bind(c.listSessions, async (req) => ({ body: { sessions: await listSessions(deps, req.principal.userId, req.principal.credentialId) } })),
    bind(c.revokeSession, async (req) => {
      await revokeSession(deps, req.principal, req.params.id, ctxOf(req));
      authenticate.forget(req.principal.userId);
      return { status: 204 };
    }),
    bind(c.revokeAllSessions, async (req) => {
      const revoked = await revokeAllSessions(deps, req.principal.userId, req.principal.credentialId, ctxOf(req), 'user-request');
      authenticate.forget(req.principal.userId);
      return { body: { revoked } };
    }),
    bind(c.enrollTotp, async (req) => ({ body: await enrollTotp(deps, req.principal.userId) })),
    bind(c.confirmTotp, async (req) => ({ body: { recoveryCodes: await confirmTotp(deps, req.principal.userId, req.body.code, ctxOf(req)) } })),
    bind(c.disableTotp, async (req) => {
      await disableTotp(deps, req.principal.userId, req.body.code, ctxOf(req));
      return { status: 204 };
    }),
    bind(c.changePassword, async (req) => {
      await changePassword(deps, req.principal.userId, req.principal.credentialId, req.body, ctxOf(req));
      authenticate.forget(req.principal.userId);
      return { status: 204 };
    }),
    bind(c.requestPasswordReset, async (req) => {
      await requireHuman(turnstile, req.body.turnstileToken, req.ip);
      await requestPasswordReset(deps, req.body.email, ctxOf(req));
      return { status: 202 };
    }),
    bind(c.getBotProtection, async () => ({ body: { turnstile: widgetOf(turnstile) } })),
    bind(c.resetPassword, async (req) => {
      await resetPassword(deps, req.body, ctxOf(req));
      // Every session was revoked: this container must not serve a cached decision for one of them.
      authenticate.forget(parseToken(req.body.token)!.userId);
      return { status: 204 };
    }),
    bind(e.requestMagicLink, async (req) => {
      // Before the account lookup: the check's outcome and time do not depend on the account.
      await requireHuman(turnstile, req.body.turnstileToken, req.ip);
      const { browserSecret, code } = await requestMagicLink(deps, req.body.email, ctxOf(req));
      return { status: 202, body: { code }, cookies: [magicLinkCookie(browserSecret, deps.config.magicLinkMs / 1000)] };
    }),
    bind(e.verifyEmail, async (req) => {
      const verified = await verifyEmail(deps, req.body.token, ctxOf(req));
      // The user item changed: this container's cached authentication reads must not keep the old state.
      authenticate.forget(parseToken(req.body.token)!.userId);
      return { body: verified };
    }),
    bind(e.resendEmailVerification, async (req) => {
      await resendVerification(deps, req.principal.userId, ctxOf(req));
      return { status: 202 };
    }),
    bind(e.changeEmail, async (req) => {
      await requestEmailChange(deps, { userId: req.principal.userId, sessionId: req.principal.credentialId }, req.body.newEmail, ctxOf(req));
      return { status: 202 };
    }),
    bind(c.createApiKey, async (req) => ({ status: 201, body: await createApiKey(deps, req.principal, req.body, ctxOf(req)) })),
    bind(c.listApiKeys, async (req) => ({ body: await listApiKeys(deps, req.principal.userId, req.query) })),
    bind(c.deleteApiKey, async (req) => {
      await deleteApiKey(deps, req.principal, req.params.id, ctxOf(req));
      authenticate.forget(req.principal.userId);
      return { status: 204 };
    }),
    bind(c.deleteCurrentApiKey, async (req) => {
      await deleteCallingApiKey(deps, req.principal, ctxOf(req));
      authenticate.forget(req.principal.userId);
      return { status: 204 };
    }),
    bind(c.listAuditEvents, async (req) => {
      const tenant = userTenant(req.principal.userId);
      const page = await deps.audit.list(tenant, { cursor: req.query.cursor, limit: req.query.limit });
      return { body: auditPage(page) };
    }),
    bind(c.verifyAuditChain, async (req) => {
      const chain = await deps.audit.verify(userTenant(req.principal.userId));
      return { body: chainReport(chain) };
    }),
    bind(c.listOutbox, async (req) => {
      if (env.MAIL_TRANSPORT !== 'outbox' || !env.MAIL_OUTBOX_DIR) throw new DomainError('not-found', 'There is no local outbox here');
      // Only the caller's own mail: the outbox holds every user's reset tokens.
      const { email } = await getUser(deps, req.principal.userId);
      return { body: { messages: await readOutbox(env.MAIL_OUTBOX_DIR, email) } };
    }),
    dependencyHealthRoute(),
  ],
  { authenticate, recordAccess: accessRecorder() },
);

