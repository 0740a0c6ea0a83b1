/**
 * Device authorization (RFC 8628, the OAuth 2.0 Device Authorization Grant):
 *
 *   start(deps, { deviceName, platform, scopes? }) -> device_code, user_code, URIs, interval, expires_in (§3.2)
 *   poll(deps, deviceCode, ctx)                   -> the device token once (a CLI login: an API key,
 *                                                    cli-login.ts); else DeviceTokenProblem (§3.5)
 *   pendingFor(deps, approver, userCode)          -> what the browser shows (404 unless pending and live)
 *   decide(deps, approver, userCode, 'approve'|'deny', ctx, { workspaceId? })
 *
 * Every state change is a conditional write on the authorization's version, so a burst of polls
 * after approval yields exactly one token (the others read `claimed` → invalid_grant), and two
 * polls inside one interval cannot both pass (the loser is told slow_down). The claim comes
 * before the credential is made, so a burst also makes exactly one API key.
 */
import { randomInt } from 'node:crypto';
import { DEVICE_TOKEN_ERRORS, USER_CODE_ALPHABET, USER_CODE_LENGTH, type DeviceTokenError } from '../contracts/sync';
import type { Scope } from '../contracts/route';
import type { Tier } from '../contracts/tiers';
import type { Audit } from '../audit/audit';
import { ConflictError } from '../data/errors';
import type { Repository, Stored } from '../data/repository';
import { DomainError } from '../errors';
import { auditEvent, type RequestContext } from '../identity/deps';
import { mintAppToken, newId, parseAppToken, secretMatches } from '../identity/tokens';
import { userTenant } from '../tenancy/tenant';
import { REVISION_CHANGED } from '../identity/api-keys';
import { cliApproval, isCliLogin, mintApiKey, workspaceChoices, type Approver, type CliLoginPorts } from './cli-login';
import { DeviceAuthorizationEntity, deviceAuthorizationSk, DeviceEntity, deviceSk, PENDING_DEVICES, type DeviceAuthorizationItem } from './entities';

/** RFC 8628 §3.2 `expires_in`: 5 minutes. */
export const DEVICE_CODE_LIFETIME_MS = 5 * 60_000;
/** RFC 8628 §3.2 `interval` default (5 s). */
export const DEFAULT_INTERVAL_SECONDS = 5;
/** RFC 8628 §3.5 slow_down: "the interval MUST be increased by 5 seconds for this and all subsequent requests". */
export const SLOW_DOWN_STEP_SECONDS = 5;
/** Decided and expired authorizations stay readable this long, so late polls get the precise error. */
const KEEP_SECONDS = 3600;

export type { RequestContext } from '../identity/deps';

export interface DeviceAuthDeps {
  readonly repo: Repository;
  readonly audit: Audit;
  readonly now: () => number;
  /** The dashboard's public URL: verification URIs point at its /sync/authorize page. */
  readonly publicUrl: string;
  readonly deviceTokenLifetimeMs: number;
  /**
   * Counts a signed-in user's use of a user code (show, approve, deny) and throws 429 past the
   * allowance, before the code is looked up, so an exhausted allowance tells nothing about any
   * code: RFC 8628 §5.1 asks to rate-limit user code entry (guessing a live code is the way to
   * hijack a device authorization).
   */
  readonly countUserCodeUse: (userId: string) => Promise<void>;
  /** A CLI login's API key and the approver's workspaces (cli-login.ts). */
  readonly cliLogin: CliLoginPorts;
}

/** User code uses a user may make per hour (linking a device takes two: show, then approve). */
export const USER_CODE_USES_PER_HOUR = 30;

/** A 400 whose problem document also carries RFC 6749 §5.2 `error` / `error_description`. */
export function deviceTokenProblem(error: DeviceTokenError, description: string, extra: Record<string, unknown> = {}): DomainError {
  return new DomainError('invalid', description, { code: DEVICE_TOKEN_ERRORS[error], extra: { error, error_description: description, ...extra } });
}

export function newUserCode(): string {
  let code = '';
  for (let i = 0; i < USER_CODE_LENGTH; i++) code += USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)];
  return code;
}
export const displayUserCode = (code: string) => `${code.slice(0, 4)}-${code.slice(4)}`;

export async function start(deps: DeviceAuthDeps, input: { deviceName: string; platform: string; scopes?: Scope[] }) {
  const expiresAt = deps.now() + DEVICE_CODE_LIFETIME_MS;
  // 20^8 codes: a collision with a live one is rare; the conditional create makes it safe.
  for (let attempt = 0; ; attempt++) {
    const userCode = newUserCode();
    const { token, secretHash } = mintAppToken('deviceCode', [userCode]);
    const item: DeviceAuthorizationItem = {
      secretHash,
      deviceName: input.deviceName,
      platform: input.platform,
      status: 'pending',
      expiresAt,
      interval: DEFAULT_INTERVAL_SECONDS,
      lastPolledAt: 0,
      ...(input.scopes?.length ? { scopes: [...new Set(input.scopes)] } : {}),
    };
    try {
      await deps.repo.create(PENDING_DEVICES, DeviceAuthorizationEntity, deviceAuthorizationSk(userCode), item, { ttl: Math.ceil(expiresAt / 1000) + KEEP_SECONDS });
    } catch (err) {
      if (err instanceof ConflictError && attempt < 3) continue;
      throw err;
    }
    const verificationUri = new URL('/sync/authorize', deps.publicUrl).toString();
    return {
      device_code: token,
      user_code: displayUserCode(userCode),
      verification_uri: verificationUri,
      verification_uri_complete: `${verificationUri}?user_code=${displayUserCode(userCode)}`,
      interval: DEFAULT_INTERVAL_SECONDS,
      expires_in: DEVICE_CODE_LIFETIME_MS / 1000,
    };
  }
}

const unknownDeviceCode = () => deviceTokenProblem('invalid_grant', 'Unknown device code');
const alreadyClaimed = () => deviceTokenProblem('invalid_grant', 'This device code already gave out its token (single use); start again with /sync/init');

async function authorizationOf(deps: DeviceAuthDeps, deviceCode: string): Promise<{ userCode: string; item: Stored<DeviceAuthorizationItem> }> {
  const parsed = parseAppToken(deviceCode, 'deviceCode');
  if (!parsed) throw unknownDeviceCode();
  const userCode = parsed.ids[0]!;
  const item = await deps.repo.get(PENDING_DEVICES, DeviceAuthorizationEntity, deviceAuthorizationSk(userCode));
  if (!item || !secretMatches(parsed.secret, item.secretHash)) throw unknownDeviceCode();
  return { userCode, item };
}

export function auditDeviceEvent(deps: DeviceAuthDeps, userId: string, tier: Tier, ctx: RequestContext, type: string, metadata: Record<string, unknown>) {
  return auditEvent(deps, userTenant(userId), tier, ctx, type, `user#${userId}`, metadata);
}

/** One poll of the token endpoint (RFC 8628 §3.4): the device token exactly once, else the §3.5 error. */
export async function poll(deps: DeviceAuthDeps, deviceCode: string, ctx: RequestContext) {
  const { userCode, item } = await authorizationOf(deps, deviceCode);
  const sk = deviceAuthorizationSk(userCode);
  const now = deps.now();
  if (item.status === 'claimed') throw alreadyClaimed();
  if (item.status === 'denied') throw deviceTokenProblem('access_denied', 'The user denied this device');
  if (item.expiresAt <= now) throw deviceTokenProblem('expired_token', 'The device code expired; start again with /sync/init');
  if (item.status === 'approved') return claim(deps, sk, item, ctx);
  // Pending: a poll sooner than the interval slows the client down for good (§3.5).
  const tooSoon = now - item.lastPolledAt < item.interval * 1000;
  const interval = tooSoon ? item.interval + SLOW_DOWN_STEP_SECONDS : item.interval;
  try {
    await deps.repo.update(PENDING_DEVICES, DeviceAuthorizationEntity, sk, { lastPolledAt: now, interval }, { expectedVersion: item.version });
  } catch (err) {
    // Another poll (or the approval) changed it meanwhile: this one raced it, i.e. came too soon.
    if (err instanceof ConflictError) throw deviceTokenProblem('slow_down', 'Polling faster than the interval', { interval: item.interval + SLOW_DOWN_STEP_SECONDS });
    throw err;
  }
  if (tooSoon) throw deviceTokenProblem('slow_down', `Polling faster than the interval; wait ${interval} s between polls`, { interval });
  throw deviceTokenProblem('authorization_pending', 'The user has not approved this device yet', { interval });
}

async function claim(deps: DeviceAuthDeps, sk: string, item: Stored<DeviceAuthorizationItem>, ctx: RequestContext) {
  const userId = item.userId!;
  const deviceId = newId();
  try {
    // The single-use gate: only one poll moves approved → claimed, before any credential is made.
    await deps.repo.update(PENDING_DEVICES, DeviceAuthorizationEntity, sk, { status: 'claimed', ...(isCliLogin(item) ? {} : { deviceId }) }, { expectedVersion: item.version });
  } catch (err) {
    if (err instanceof ConflictError) throw alreadyClaimed();
    throw err;
  }
  if (isCliLogin(item)) {
    return mintApiKey(deps, item, ctx).catch((err: unknown) => {
      if (err instanceof DomainError && err.options.code === REVISION_CHANGED) {
        throw deviceTokenProblem('access_denied', 'Every credential of the account was revoked after this login was approved; log in again');
      }
      throw err;
    });
  }
  const { token, secretHash } = mintAppToken('device', [userId, deviceId]);
  const now = deps.now();
  const expiresAt = now + deps.deviceTokenLifetimeMs;
  await deps.repo.create(userTenant(userId), DeviceEntity, deviceSk(deviceId), {
    name: item.deviceName,
    platform: item.platform,
    secretHash,
    approvedAt: new Date(now).toISOString(),
    lastSeenAt: new Date(now).toISOString(),
    expiresAt,
  });
  await auditDeviceEvent(deps, userId, item.tier ?? 'free', ctx, 'sync.device.token-claimed', { deviceId, platform: item.platform });
  return { access_token: token, token_type: 'Bearer' as const, expires_in: Math.floor(deps.deviceTokenLifetimeMs / 1000), device_id: deviceId };
}

const noSuchAuthorization = () => new DomainError('not-found', 'No pending device authorization has this code (unknown, expired or already decided)', { code: 'device-authorization-not-found' });

async function pendingItem(deps: DeviceAuthDeps, userCode: string) {
  const item = await deps.repo.get(PENDING_DEVICES, DeviceAuthorizationEntity, deviceAuthorizationSk(userCode));
  if (!item || item.status !== 'pending' || item.expiresAt <= deps.now()) throw noSuchAuthorization();
  return item;
}

/** What the approval page shows: the device, and for a CLI login the scopes asked for and the workspaces to choose from. */
export async function pendingFor(deps: DeviceAuthDeps, approver: Approver, userCode: string) {
  await deps.countUserCodeUse(approver.userId);
  const item = await pendingItem(deps, userCode);
  return {
    userCode: displayUserCode(userCode),
    deviceName: item.deviceName,
    platform: item.platform,
    expiresAt: new Date(item.expiresAt).toISOString(),
    scopes: item.scopes ?? null,
    workspaces: await workspaceChoices(deps, approver, item),
  };
}

export async function decide(
  deps: DeviceAuthDeps,
  actor: Approver,
  userCode: string,
  decision: 'approve' | 'deny',
  ctx: RequestContext,
  options: { workspaceId?: string } = {},
) {
  await deps.countUserCodeUse(actor.userId);
  const item = await pendingItem(deps, userCode);
  const cliPart = decision === 'approve' ? await cliApproval(deps, actor, item, options.workspaceId) : {};
  const patch: Partial<DeviceAuthorizationItem> = decision === 'approve' ? { status: 'approved', userId: actor.userId, tier: actor.tier, ...cliPart } : { status: 'denied' };
  try {
    await deps.repo.update(PENDING_DEVICES, DeviceAuthorizationEntity, deviceAuthorizationSk(userCode), patch, { expectedVersion: item.version });
  } catch (err) {
    // A concurrent poll bumped the version: decide on the fresh item (still pending?), once.
    if (!(err instanceof ConflictError)) throw err;
    const again = await pendingItem(deps, userCode);
    await deps.repo.update(PENDING_DEVICES, DeviceAuthorizationEntity, deviceAuthorizationSk(userCode), patch, { expectedVersion: again.version });
  }
  const type = isCliLogin(item) ? `auth.cli-login.${decision === 'approve' ? 'approved' : 'denied'}` : decision === 'approve' ? 'sync.device.connected' : 'sync.device.denied';
  const cli = isCliLogin(item) ? { scopes: item.scopes, ...(cliPart.workspaceId ? { workspaceId: cliPart.workspaceId } : {}) } : {};
  await auditDeviceEvent(deps, actor.userId, actor.tier, ctx, type, { platform: item.platform, userCode: displayUserCode(userCode), ...cli });
}
