/**
 * Magic links, the request half (the `auth` function: it mails). The answer is the same for a
 * known and an unknown email (status, body, time: atRequestFloor). The link is bound to the
 * browser that asked: a random secret goes to that browser as a cookie and only its hash is
 * stored; a short code, shown in that browser, lets the link be used in another one
 * (magic-link-sign-in.ts).
 */
import { randomBytes, randomInt } from 'node:crypto';
import { atRequestFloor, auditEvent, iso, mailedLink, type IdentityDeps, type RequestContext } from './deps';
import { withIntegrity } from './credential-integrity';
import { MagicLinkCredential, MagicLinkEntity, magicLinkSk } from './entities';
import { findUserByEmail } from './accounts';
import { countPerEmail, countPerIp } from './throttle';
import { hashSecret, mintToken, newId } from './tokens';

/** Link mails one address may ask for per hour (mail bombing), and one email may receive. */
export const MAGIC_LINKS_PER_IP_PER_HOUR = 20;
export const MAGIC_LINKS_PER_EMAIL_PER_HOUR = 5;

/** What the asking browser keeps: the cookie's secret and the code it shows. */
export interface MagicLinkBrowser {
  readonly browserSecret: string;
  readonly code: string;
}

/** What the stored code hash hashes: the code bound to the link's id, so one link's hash says nothing of another's code. */
export const magicCodeSecret = (linkId: string, code: string) => `${linkId}:${code}`;

export async function requestMagicLink(deps: IdentityDeps, email: string, ctx: RequestContext): Promise<MagicLinkBrowser> {
  await countPerIp(deps, 'magic-link', ctx.ip, MAGIC_LINKS_PER_IP_PER_HOUR, 3600_000);
  await countPerEmail(deps, 'magic-link', email, MAGIC_LINKS_PER_EMAIL_PER_HOUR, 3600_000);
  // Minted in both branches: the unknown email's answer carries the same cookie and code.
  const browser = { browserSecret: randomBytes(32).toString('base64url'), code: String(randomInt(0, 1_000_000)).padStart(6, '0') };
  await atRequestFloor(deps, () => mailMagicLink(deps, email, browser, ctx));
  return browser;
}

async function mailMagicLink(deps: IdentityDeps, email: string, browser: MagicLinkBrowser, ctx: RequestContext): Promise<void> {
  const found = await findUserByEmail(deps, email);
  if (!found) return;
  const { userId, tenant, user } = found;
  const id = newId();
  const { token, secretHash } = mintToken('magic', userId, id);
  const now = deps.now();
  const expiresAt = now + deps.config.magicLinkMs;
  const item = withIntegrity(MagicLinkCredential, {
    secretHash,
    browserHash: hashSecret(browser.browserSecret),
    codeHash: hashSecret(magicCodeSecret(id, browser.code)),
    codeAttempts: 0,
    createdAt: iso(now),
    expiresAt,
  });
  await deps.repo.create(tenant, MagicLinkEntity, magicLinkSk(id), item, { ttl: Math.ceil(expiresAt / 1000) + 3600 });
  const link = mailedLink(deps, '/magic-link', token);
  const minutes = Math.round(deps.config.magicLinkMs / 60_000);
  await deps.mailer.send({
    to: user.email,
    subject: 'Your flarevault sign-in link',
    text:
      `Open this link within ${minutes} minutes to sign in to flarevault:\n${link}\n\n` +
      'It works once, in the browser where you asked for it. Opened elsewhere, it asks for the code that browser shows.\n\n' +
      `Sign-in token: ${token}\n\nIf it was not you, ignore this message.`,
  });
  await auditEvent(deps, tenant, user.tier, ctx, 'auth.magic-link.requested', `user#${userId}`, { linkId: id });
}
