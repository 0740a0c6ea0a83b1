/**
 * Which Cloudflare request budget a token spends, as a hash (the limiter's DynamoDB key never
 * holds a token, an id or tenant data).
 *
 * Cloudflare: "1200 requests per five minutes per user, … cumulatively regardless of whether the
 * request is made via the dashboard, API key, or API token"; its limits table says "Client API per
 * user/account token 1200/5 minutes" (https://developers.cloudflare.com/fundamentals/api/reference/limits/).
 *   user-owned token, user known   → `user:<hash(user id)>`: every token of that user, every
 *                                    flarevault account connected with one, shares one budget;
 *   account-owned token            → `account:<hash(account id)>`: the docs do not say whether
 *                                    account tokens of one account share a budget; we take the
 *                                    strict reading that they do;
 *   otherwise (user not readable)  → the token's own hash, adapting from the Ratelimit headers.
 */
import { createHash } from 'node:crypto';

export function tokenKeyHash(token: string): string {
  return createHash('sha256').update(`flarevault/cf-token/${token}`).digest('base64url');
}

const idHash = (kind: string, id: string) => createHash('sha256').update(`flarevault/cf-${kind}/${id}`).digest('base64url');

export interface TokenIdentity {
  readonly token: string;
  readonly tokenOwner?: 'user' | 'account';
  /** The Cloudflare user behind a user-owned token (GET /user), when the token may read it. */
  readonly cfUserId?: string;
  readonly cfAccountId?: string;
}

/** The budget a token spends (see above). */
export function budgetKeyOf(t: TokenIdentity): string {
  if (t.tokenOwner === 'account' && t.cfAccountId) return `account:${idHash('account', t.cfAccountId)}`;
  if (t.tokenOwner !== 'account' && t.cfUserId) return `user:${idHash('user', t.cfUserId)}`;
  return tokenKeyHash(t.token);
}
