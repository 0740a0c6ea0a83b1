/**
 * OpenID Connect's sentinel step (sentinel-scan.test.ts), through the local stack and its real
 * provider: a sign-up through the provider, a link confirmed by an existing account, and a link
 * left pending. The provider's subject ids (alone and with the issuer, as the blind index's input)
 * and the sentinel emails must never be in the table or a backup: the subject is kept only as a
 * blind index, the email encrypted.
 */
import { localOidcSubject } from '../../lib/local/oidc-provider';
import { signUpWithToken } from '../support/http';
import { linkedIdentity, outcomeOf, signInThroughProvider } from '../support/oidc';
import type { SentinelStep } from './sentinel-workload';

export const oidcSentinelStep: SentinelStep = {
  name: 'oidc: provider subject ids (sign-up, confirmed link, pending link), provider emails',
  async run({ sentinel, track }) {
    const issuer = (JSON.parse(process.env.OIDC_PROVIDERS ?? '[]') as { id: string; issuer: string }[]).find((p) => p.id === 'local')?.issuer;
    if (!issuer) throw new Error('the local stack has no local OpenID provider');
    const emails = ['oidc-signup', 'oidc-linked', 'oidc-pending'].map((label) => `${sentinel(label).toLowerCase()}@oidc.example.com`);
    const [signUp, linked, pending] = emails as [string, string, string];
    const viaProvider = await signInThroughProvider(signUp);
    if (outcomeOf(viaProvider) !== 'signed-in') throw new Error(`provider sign-up: ${outcomeOf(viaProvider)}`);
    await linkedIdentity((await signUpWithToken(linked)).token, linked);
    await signUpWithToken(pending);
    const waiting = await signInThroughProvider(pending);
    if (outcomeOf(waiting) !== 'link') throw new Error(`provider sign-in: ${outcomeOf(waiting)}`);
    for (const email of emails) {
      const subject = localOidcSubject(email);
      track(subject);
      track(`${issuer}\n${subject}`);
    }
  },
};
