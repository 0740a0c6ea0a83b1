/**
 * Sign-in (password with its second factors, passkeys) and the user's passkeys. Kept apart from
 * auth.ts because WebAuthn verification (@simplewebauthn/server and its ASN.1/X.509 parsers) and
 * auth's password-strength dictionaries would not fit one bundle (test/infra/bundle-size.test.ts).
 */
import * as c from '../contracts/identity';
import * as pk from '../contracts/passkeys';
import * as e from '../contracts/email-auth';
import { clearMagicLinkCookie, requestCookie } from '../http/cookies';
import { MAGIC_LINK_COOKIE } from '../platform/names';
import { signInWithMagicLink } from '../identity/magic-link-sign-in';
import { bind, httpFunction } from '../http/handler';
import type { RequestMeta } from '../http/auth';
import type { Principal } from '../tenancy/principal';
import { login, signInWithPasskey } from '../identity/sign-in';
import { identityFromEnv } from '../identity/from-env';
import { passkeySignInOptions } from '../identity/passkey-assertions';
import { listPasskeys, passkeyRegistrationOptions, registerPasskey, removePasskey, renamePasskey } from '../identity/passkeys';
import { countPerIp } from '../identity/throttle';
import { accessRecorder } from './access-recorder';
import { signedIn } from './signed-in';
import { oidcRoutes } from './oidc-routes';

const { deps, authenticate } = identityFromEnv();
const ctxOf = (m: RequestMeta) => ({ requestId: m.requestId, ip: m.ip, userAgent: m.userAgent });
const actorOf = (p: Principal) => ({ userId: p.userId, tier: p.tier, sessionId: p.credential === 'session' ? p.credentialId : undefined });
/** Sign-in challenges one address may ask for per minute (each is a table write). */
const PASSKEY_OPTIONS_PER_IP_PER_MINUTE = 60;

export const handler = httpFunction(
  'signIn',
  [
    bind(c.login, async (req) => {
      const { user, session } = await login(deps, req.body, ctxOf(req));
      return signedIn(user, session, req.body.client, 200, deps.now());
    }),
    bind(pk.passkeySignInOptions, async (req) => {
      await countPerIp(deps, 'passkey-options', req.ip, PASSKEY_OPTIONS_PER_IP_PER_MINUTE, 60_000);
      return { body: { options: await passkeySignInOptions(deps) } };
    }),
    bind(pk.signInWithPasskey, async (req) => {
      const { user, session } = await signInWithPasskey(deps, req.body.response, ctxOf(req));
      return signedIn(user, session, req.body.client, 200, deps.now());
    }),
    bind(e.signInWithMagicLink, async (req) => {
      const { client, ...input } = req.body;
      const { user, session } = await signInWithMagicLink(deps, input, requestCookie(req.event.cookies, MAGIC_LINK_COOKIE), ctxOf(req));
      const reply = signedIn(user, session, client, 200, deps.now());
      return { ...reply, cookies: [...(reply.cookies ?? []), clearMagicLinkCookie()] };
    }),
    bind(pk.passkeyRegistrationOptions, async (req) => ({ body: { options: await passkeyRegistrationOptions(deps, actorOf(req.principal)) } })),
    bind(pk.registerPasskey, async (req) => ({ status: 201, body: { passkey: await registerPasskey(deps, actorOf(req.principal), req.body, ctxOf(req)) } })),
    bind(pk.listPasskeys, async (req) => ({ body: { passkeys: await listPasskeys(deps, req.principal.userId) } })),
    bind(pk.renamePasskey, async (req) => ({ body: { passkey: await renamePasskey(deps, actorOf(req.principal), req.params.id, req.body.name, ctxOf(req)) } })),
    bind(pk.removePasskey, async (req) => {
      await removePasskey(deps, actorOf(req.principal), req.params.id, ctxOf(req));
      return { status: 204 };
    }),
    ...oidcRoutes(deps),
  ],
  { authenticate, recordAccess: accessRecorder() },
);
