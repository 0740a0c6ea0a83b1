/**
 * The magic-link and email-verification sentinel step (sentinel-scan.test.ts): a user asks for two
 * sign-in links (uses one), gets a sign-up verification link and asks to move to a sentinel address
 * (links left unused, so their items are in the table). The links' secrets, the browsers' cookie
 * secrets and the pending new address must never be in the table or a backup: only SHA-256 of the
 * secrets is stored, the address encrypted.
 */
import { randomUUID } from 'node:crypto';
import { identityDeps } from './data-fixtures';
import type { MailMessage } from '../../functions/mail/mailer';
import { signup } from '../../functions/identity/accounts';
import { requestMagicLink } from '../../functions/identity/magic-link-request';
import { signInWithMagicLink } from '../../functions/identity/magic-link-sign-in';
import { requestEmailChange } from '../../functions/identity/email-verification';
import { parseToken } from '../../functions/identity/tokens';
import type { SentinelStep } from './sentinel-workload';

export const emailAuthSentinelStep: SentinelStep = {
  name: 'magic links and email verification: link secrets, browser secrets, pending address',
  async run({ sentinel, track }) {
    const sent: MailMessage[] = [];
    const deps = identityDeps({ sent, config: { resetRequestMinMs: 0 } });
    const ctx = { requestId: 'sentinel', ip: `sentinel-${randomUUID()}`, userAgent: 'sentinel' };
    const email = `ml-${randomUUID()}@example.com`;
    const { user, session } = await signup(deps, { email, password: 'violet-Harbor-quantum-92-lantern' }, ctx);
    const browsers = [await requestMagicLink(deps, email, ctx), await requestMagicLink(deps, email, ctx)];
    const tokens = (label: string) => sent.flatMap((m) => [...m.text.matchAll(new RegExp(`${label}: (\\S+)`, 'g'))].map((x) => x[1]!));
    const magic = tokens('Sign-in token');
    if (magic.length !== 2) throw new Error('expected two sign-in links');
    const signedIn = await signInWithMagicLink(deps, { token: magic[0]! }, browsers[0]!.browserSecret, ctx);
    if (signedIn.user.id !== user.id) throw new Error('magic-link sign-in did not find the user');
    const newEmail = `${sentinel('pending-email').toLowerCase()}@example.com`;
    await requestEmailChange(deps, { userId: user.id, sessionId: session.sessionId }, newEmail, ctx);
    const verification = tokens('Verification token');
    if (verification.length !== 2) throw new Error('expected the sign-up and the change verification links');
    for (const token of [...magic, ...verification]) {
      track(token);
      track(parseToken(token)!.secret);
    }
    for (const b of browsers) track(b.browserSecret);
  },
};
