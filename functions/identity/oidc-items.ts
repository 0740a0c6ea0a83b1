/**
 * Items of OpenID Connect sign-in. In the user's partition: one `IDENTITY#<id>` per linked
 * provider identity (the provider's email encrypted; the (issuer, subject) only as a blind index,
 * bound into the integrity digest). Global: `OIDCID#<blind index of issuer and subject>` /
 * `IDENTITY` → the user, so the callback finds the account; `OIDCSTATE#<sha256 of the state>` /
 * `STATE` (a started sign-in) and `OIDCPENDING#<sha256 of the browser binding>` / `PENDING` (a
 * second factor or a link waiting): short-lived, single-use, holding no secret and no personal data.
 */
import { createHash } from 'node:crypto';
import { defineEntity } from '../data/entity';
import { credentialKind } from './credential-integrity';

export interface IdentityItem {
  provider: string;
  /** Blind index (`oidc-subject`) of the issuer and the provider's subject: never the subject itself. */
  subjectHash: string;
  email: string;
  linkedAt: string;
  integrity: string;
}
export const IdentityEntity = defineEntity<IdentityItem>({ name: 'oidc-identity', skPrefix: 'IDENTITY#', encrypted: ['email', 'integrity'] });
export const IdentityCredential = credentialKind(IdentityEntity, ['provider', 'subjectHash']);
export const identitySk = (id: string) => `IDENTITY#${id}`;
export const identityGuard = (subjectHash: string) => ({ pk: `OIDCID#${subjectHash}`, sk: 'IDENTITY' });

const sha256 = (s: string) => createHash('sha256').update(s).digest('base64url');
export const stateKey = (state: string) => ({ pk: `OIDCSTATE#${sha256(state)}`, sk: 'STATE' });
export const pendingKey = (bindingHash: string) => ({ pk: `OIDCPENDING#${bindingHash}`, sk: 'PENDING' });
/** What the table keeps of the browser-binding cookie. */
export const bindingHashOf = (binding: string) => sha256(`oidc-binding:${binding}`);

/** A started sign-in lives this long (the user may have to sign in at the provider). */
export const OIDC_STATE_TTL_MS = 10 * 60_000;
/** A pending second factor or link lives this long. */
export const OIDC_PENDING_TTL_MS = 10 * 60_000;
/** Wrong second factors a pending provider sign-in allows before it is void. */
export const OIDC_SECOND_FACTOR_ATTEMPTS = 5;

export interface PendingItem {
  kind: 'second-factor' | 'link';
  userId: string;
  provider: string;
  subjectHash: string;
  expiresAt: number;
  attempts: number;
}
