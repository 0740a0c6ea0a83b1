/**
 * The protocol half of OpenID Connect sign-in, with openid-client: authorization code + PKCE
 * (S256). The state is 32 random bytes; the PKCE verifier and the nonce are derived from it with
 * the deployment's blind-index key (HMAC), so the table holds neither: only the state's hash, the
 * provider and the hash of the browser's binding cookie. A callback claims its state with a
 * conditional delete that exactly one caller wins, and only from the browser that started it.
 * Pending second factors and links are stored and claimed the same way.
 */
import { randomBytes } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unlessConditionFailed } from '../aws/table';
import type { IdentityDeps } from './deps';
import { openidClient, type OidcProvider, type OidcProviders } from './oidc-providers';
import { OIDC_PENDING_TTL_MS, OIDC_SECOND_FACTOR_ATTEMPTS, OIDC_STATE_TTL_MS, bindingHashOf, pendingKey, stateKey, type PendingItem } from './oidc-items';

export interface OidcDeps extends IdentityDeps {
  readonly oidc: OidcProviders;
}

/** What a verified callback yields: the provider's identity and its email claims. */
export interface ProviderIdentity {
  readonly provider: OidcProvider;
  /** `<issuer>\n<subject>`: what the blind index of a linked identity is computed over. */
  readonly issuerSubject: string;
  readonly email?: string;
  readonly emailVerified: boolean;
}

const verifierOf = (deps: OidcDeps, state: string) => deps.blind.blindIndex('oidc-flow', `pkce:${state}`);
const nonceOf = (deps: OidcDeps, state: string) => deps.blind.blindIndex('oidc-flow', `nonce:${state}`);

/** Starts a sign-in: the provider's authorization URL, and the binding for the browser's cookie. */
export async function startOidc(deps: OidcDeps, providerId: string, binding: string | undefined, browserHost?: string): Promise<{ authorizationUrl: string; binding: string }> {
  const provider = deps.oidc.get(providerId);
  const [client, config] = await Promise.all([openidClient(), provider.configuration()]);
  const state = randomBytes(32).toString('base64url');
  const b = binding ?? randomBytes(32).toString('base64url');
  const [verifier, nonce] = await Promise.all([verifierOf(deps, state), nonceOf(deps, state)]);
  const expiresAt = deps.now() + OIDC_STATE_TTL_MS;
  await deps.table.doc.send(
    new PutCommand({
      TableName: deps.table.name,
      Item: { ...stateKey(state), provider: provider.id, bindingHash: bindingHashOf(b), expiresAt, ttl: Math.ceil(expiresAt / 1000) + 60 },
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: deps.oidc.redirectUri(browserHost),
    scope: 'openid email',
    response_type: 'code',
    state,
    nonce,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  return { authorizationUrl: url.href, binding: b };
}

/** Why a callback was refused (the dashboard shows it; details go to the log). */
export class OidcRefused extends Error {
  constructor(
    readonly reason: 'state' | 'provider' | 'unverified-email' | 'no-email' | 'expired',
    detail?: string,
  ) {
    super(detail ?? reason);
  }
}

/**
 * Claims the callback's state (once, from the browser that started it), then exchanges the code
 * with the PKCE verifier and checks the ID token (signature, issuer, audience, expiry, nonce).
 * The email comes from the ID token, or from the UserInfo endpoint when the token has none;
 * it is verified when the provider's `emailVerifiedClaim` is the boolean `true`.
 */
export async function finishOidc(deps: OidcDeps, callbackUrl: URL, binding: string | undefined): Promise<ProviderIdentity> {
  const state = callbackUrl.searchParams.get('state');
  if (!state || !binding) throw new OidcRefused('state', 'no state or no binding cookie');
  const claim = await unlessConditionFailed(
    deps.table.doc.send(
      new DeleteCommand({
        TableName: deps.table.name,
        Key: stateKey(state),
        ConditionExpression: 'bindingHash = :b AND expiresAt > :now',
        ExpressionAttributeValues: { ':b': bindingHashOf(binding), ':now': deps.now() },
        ReturnValues: 'ALL_OLD',
      }),
    ),
  );
  const claimed = claim?.Attributes;
  if (!claimed) throw new OidcRefused('state', 'unknown, used, expired or another browser\'s state');
  const provider = deps.oidc.get(String(claimed.provider));
  const [client, config] = await Promise.all([openidClient(), provider.configuration()]);
  try {
    const [pkceCodeVerifier, expectedNonce] = await Promise.all([verifierOf(deps, state), nonceOf(deps, state)]);
    const tokens = await client.authorizationCodeGrant(config, callbackUrl, { pkceCodeVerifier, expectedNonce, expectedState: state, idTokenExpected: true });
    const claims = tokens.claims()!;
    let email = typeof claims.email === 'string' ? claims.email : undefined;
    // The provider's own claim (Entra ID sends no email_verified; its optional claim xms_edov says the domain owner verified it).
    let verified = claims[provider.emailVerifiedClaim];
    if (email === undefined && tokens.access_token) {
      const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
      email = typeof info.email === 'string' ? info.email : undefined;
      verified = info[provider.emailVerifiedClaim];
    }
    return { provider, issuerSubject: `${claims.iss}\n${claims.sub}`, email, emailVerified: verified === true };
  } catch (err) {
    // e.g. OAUTH_JWT_CLAIM_COMPARISON_FAILED nonce, or the token endpoint's invalid_grant (a PKCE verifier that does not match).
    const e = err as { name?: string; message?: string; code?: string; error?: string; cause?: { claim?: string } };
    throw new OidcRefused('provider', [e.name, e.code, e.error, e.cause?.claim, e.message].filter(Boolean).join(' '));
  }
}

/** Parks a second factor or a link for the browser (replacing one it had). */
export async function putPending(deps: Pick<IdentityDeps, 'table' | 'now'>, binding: string, item: Omit<PendingItem, 'expiresAt' | 'attempts'>): Promise<void> {
  const expiresAt = deps.now() + OIDC_PENDING_TTL_MS;
  await deps.table.doc.send(
    new PutCommand({ TableName: deps.table.name, Item: { ...pendingKey(bindingHashOf(binding)), ...item, expiresAt, attempts: 0, ttl: Math.ceil(expiresAt / 1000) + 60 } }),
  );
}

export async function getPending(deps: Pick<IdentityDeps, 'table' | 'now'>, binding: string | undefined, kind: PendingItem['kind']): Promise<PendingItem | undefined> {
  if (!binding) return undefined;
  const out = await deps.table.doc.send(new GetCommand({ TableName: deps.table.name, Key: pendingKey(bindingHashOf(binding)), ConsistentRead: true }));
  const item = out.Item as PendingItem | undefined;
  return item && item.kind === kind && item.expiresAt > deps.now() && item.attempts < OIDC_SECOND_FACTOR_ATTEMPTS ? item : undefined;
}

/** Counts one second-factor try; false once the attempts are spent (or the item is gone). */
export function countPendingAttempt(deps: Pick<IdentityDeps, 'table' | 'now'>, binding: string): Promise<boolean> {
  return conditionally(
    deps,
    new UpdateCommand({
      TableName: deps.table.name,
      Key: pendingKey(bindingHashOf(binding)),
      UpdateExpression: 'ADD #n :one',
      ConditionExpression: '#n < :max AND expiresAt > :now',
      ExpressionAttributeNames: { '#n': 'attempts' },
      ExpressionAttributeValues: { ':one': 1, ':max': OIDC_SECOND_FACTOR_ATTEMPTS, ':now': deps.now() },
    }),
  );
}

/** Takes the pending item: true for exactly one caller while it is the one read (same kind and user). */
export function claimPending(deps: Pick<IdentityDeps, 'table' | 'now'>, binding: string, item: PendingItem): Promise<boolean> {
  return conditionally(
    deps,
    new DeleteCommand({
      TableName: deps.table.name,
      Key: pendingKey(bindingHashOf(binding)),
      ConditionExpression: '#k = :k AND userId = :u AND subjectHash = :s AND expiresAt > :now',
      ExpressionAttributeNames: { '#k': 'kind' },
      ExpressionAttributeValues: { ':k': item.kind, ':u': item.userId, ':s': item.subjectHash, ':now': deps.now() },
    }),
  );
}

/** A conditional write: false when its condition did not hold. */
async function conditionally(deps: Pick<IdentityDeps, 'table'>, command: UpdateCommand | DeleteCommand): Promise<boolean> {
  return (await unlessConditionFailed(deps.table.doc.send(command))) !== undefined;
}
