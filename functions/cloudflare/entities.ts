/**
 * Cloudflare account items, in the owning user's partition (`T#user#<id>`),
 * sort key `CFACCT#<id>`. Everything a user typed or Cloudflare told us
 * (label, token, token hint, ids at Cloudflare, status detail) is encrypted
 * with the user's DEK; only the kind, status and timestamps are plain.
 * Zones and DNS records are never stored: every read goes to Cloudflare.
 */
import { defineEntity } from '../data/entity';

export type CloudflareAccountKind = 'token' | 'sandbox';
export type CloudflareAccountStatus = 'active' | 'needs-attention';

export interface CloudflareAccountItem {
  /** User's label. Encrypted. */
  name: string;
  /** The API token. Encrypted; never returned by any route. */
  token: string;
  /** Last 4 characters of the token (shown to the user). Encrypted: part of the secret. */
  tokenHint: string;
  /** `sandbox`: a token minted by the local Cloudflare sandbox (CLOUDFLARE_SANDBOX_URL). */
  kind: CloudflareAccountKind;
  /** Cloudflare's id of the token (from /user/tokens/verify). Encrypted. */
  cfTokenId?: string;
  /**
   * Who owns the token at Cloudflare: `user` (verifies at /user/tokens/verify) or `account` (an
   * account-owned token: verifies only at /accounts/{cfAccountId}/tokens/verify). Absent on items
   * stored before this was recorded: verification then finds out again.
   */
  tokenOwner?: 'user' | 'account';
  /**
   * The Cloudflare account: for sandbox accounts the one provisioned for this user; for
   * account-owned tokens the account that owns the token (where it verifies). Encrypted.
   */
  cfAccountId?: string;
  /**
   * The Cloudflare user behind a user-owned token (GET /user, when the token may read it: "User
   * Details Read"). Its requests count against that user's budget (budget-keys.ts). Encrypted.
   */
  cfUserId?: string;
  status: CloudflareAccountStatus;
  /** Why the account needs attention (Cloudflare's code and message). Encrypted. */
  statusDetail: string | null;
  createdAt: string;
  verifiedAt: string | null;
}

export const CloudflareAccountEntity = defineEntity<CloudflareAccountItem>({
  name: 'cf-account',
  skPrefix: 'CFACCT#',
  encrypted: ['name', 'token', 'tokenHint', 'cfTokenId', 'cfAccountId', 'cfUserId', 'statusDetail'],
});

export const cfAccountSk = (id: string) => `CFACCT#${id}`;
