/**
 * A real OpenID Provider for the local stack (`oidc-provider`, certified by the OpenID
 * Foundation), so "Sign in with the local OpenID provider" works end to end without a cloud
 * account: discovery, JWKS, authorization code + PKCE, ID tokens, UserInfo.
 *
 * One static confidential client (the stack), issuer `http://127.0.0.1:<port>`, a login page of
 * its own (no consent screen: the client is first-party). Accounts, all with the password `demo`:
 *   demo@flarevault.localhost        a verified email (the demo user)
 *   unverified@flarevault.localhost  an unverified email (refused by flarevault)
 *   any other address                a throwaway user with that email, verified unless its local
 *                                    part starts with `unverified` (tests and trying sign-up)
 * Every account also has `xms_edov` (the same boolean: Microsoft Entra ID's optional claim "email
 * domain owner verified"), and one whose local part starts with `entra` has no `email_verified`
 * at all, as Entra ID sends none: a provider configured with `emailVerifiedClaim: 'xms_edov'`
 * takes it, the default one refuses it (tests).
 * The subject is derived from the address, so the same login is the same identity each time.
 */
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const LOCAL_OIDC_PASSWORD = 'demo';
export const LOCAL_OIDC_DEMO_USERS = [
  { email: 'demo@flarevault.localhost', verified: true, label: 'the demo user' },
  { email: 'unverified@flarevault.localhost', verified: false, label: 'a user whose email is not verified' },
] as const;
export const LOCAL_OIDC_CLIENT_ID = 'flarevault-local';

export interface LocalOidcProvider {
  /** The issuer, e.g. http://127.0.0.1:8789 */
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  stop(): Promise<void>;
}

const isEmail = (s: string) => /^[^\s@<>"]{1,64}@[a-z0-9.-]{1,190}$/i.test(s);
/** The subject the local provider gives an address (opaque, as real providers' are; tests compute it to look for it). */
export const localOidcSubject = (email: string) => `local-${createHash('sha256').update(email.toLowerCase()).digest('base64url').slice(0, 22)}`;
const subjectOf = localOidcSubject;
const verifiedOf = (email: string) => LOCAL_OIDC_DEMO_USERS.find((u) => u.email === email)?.verified ?? !/^unverified/i.test(email);
/** An `entra…` account is shaped like Entra ID's: no email_verified, only xms_edov. */
const claimsOf = (sub: string, email: string) =>
  /^entra/i.test(email) ? { sub, email, xms_edov: verifiedOf(email) } : { sub, email, email_verified: verifiedOf(email), xms_edov: verifiedOf(email) };
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage(uid: string, error?: string): string {
  const users = LOCAL_OIDC_DEMO_USERS.map((u) => `<li><code>${u.email}</code>: ${u.label}</li>`).join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Local OpenID provider</title>
<meta name="viewport" content="width=device-width,initial-scale=1">
<style>body{font:15px system-ui,sans-serif;max-width:26rem;margin:3rem auto;padding:0 1rem;color:#0f172a}label{display:block;margin:.8rem 0 .2rem}
input{width:100%;padding:.45rem;border:1px solid #94a3b8;border-radius:.35rem;box-sizing:border-box}button{margin-top:1rem;padding:.5rem 1rem;background:#0f172a;color:#fff;border:0;border-radius:.35rem}
.err{color:#b91c1c}small{color:#475569}</style></head><body>
<h1>Local OpenID provider</h1><p><small>The flarevault local stack's identity provider. Every account's password is <code>${LOCAL_OIDC_PASSWORD}</code>.</small></p>
${error ? `<p class="err" role="alert">${esc(error)}</p>` : ''}
<form method="post" action="/interaction/${esc(uid)}/login" autocomplete="off">
<label for="email">Email</label><input id="email" name="email" type="email" required value="${LOCAL_OIDC_DEMO_USERS[0].email}">
<label for="password">Password</label><input id="password" name="password" type="password" required>
<button type="submit">Sign in</button></form>
<p><small>Accounts:</small></p><ul><small>${users}<li>any other address: a verified throwaway user (<code>unverified…</code> ones are not verified)</li></small></ul>
</body></html>`;
}

async function formOf(req: IncomingMessage): Promise<URLSearchParams> {
  let body = '';
  for await (const chunk of req) {
    body += String(chunk);
    if (body.length > 8192) break;
  }
  return new URLSearchParams(body);
}

export async function startLocalOidcProvider(opts: { port?: number; redirectUris: readonly string[] }): Promise<LocalOidcProvider> {
  const { Provider } = await import('oidc-provider');
  const clientSecret = randomBytes(24).toString('base64url');
  /** Subject → email of the accounts signed in since start (sessions live in memory too). */
  const signedIn = new Map<string, string>();
  const remember = (email: string) => {
    signedIn.set(subjectOf(email), email);
    return subjectOf(email);
  };
  const server = createServer();
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(opts.port ?? 0, '127.0.0.1', () => res());
  });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const signingKey = { ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }), use: 'sig', alg: 'RS256', kid: 'local-1' };
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: LOCAL_OIDC_CLIENT_ID,
        client_secret: clientSecret,
        redirect_uris: [...opts.redirectUris],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    claims: { openid: ['sub'], email: ['email', 'email_verified', 'xms_edov'] },
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    findAccount: (_ctx: unknown, sub: string) => {
      const email = signedIn.get(sub);
      return email ? { accountId: sub, claims: () => claimsOf(sub, email) } : undefined;
    },
    // First-party client: no consent screen, the scopes it asks for are granted.
    loadExistingGrant: async (ctx: { oidc: { client: { clientId: string }; session: { accountId: string }; provider: { Grant: new (i: object) => { addOIDCScope(s: string): void; save(): Promise<string> } } } }) => {
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope('openid email');
      await grant.save();
      return grant;
    },
    ttl: { Session: 3600, Interaction: 600, Grant: 3600, AuthorizationCode: 60, AccessToken: 600, IdToken: 600 },
  });
  const handle = provider.callback();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    const m = /^\/interaction\/([A-Za-z0-9_-]+)(\/login)?$/.exec(path);
    if (!m) return handle(req, res);
    void (async () => {
      try {
        const details = await provider.interactionDetails(req, res);
        if (req.method === 'GET') {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(loginPage(details.uid));
          return;
        }
        const form = await formOf(req);
        const email = (form.get('email') ?? '').trim().toLowerCase();
        if (!isEmail(email) || form.get('password') !== LOCAL_OIDC_PASSWORD) {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(loginPage(details.uid, 'Unknown email or wrong password.'));
          return;
        }
        await provider.interactionFinished(req, res, { login: { accountId: remember(email) } }, { mergeWithLastSubmission: false });
      } catch (err) {
        res.writeHead(400, { 'content-type': 'text/plain' }).end(`interaction failed: ${(err as Error).message}`);
      }
    })();
  });
  return {
    issuer,
    clientId: LOCAL_OIDC_CLIENT_ID,
    clientSecret,
    stop: () => new Promise<void>((res) => server.close(() => res())),
  };
}
