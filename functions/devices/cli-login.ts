/**
 * The CLI login grant of device authorization (issue 18): an authorization started with
 * `scopes` ends in an API key, not a sync device token, because the CLI calls user routes
 * (accounts, zones, jobs) and a device token is confined to `auth: 'device'` routes.
 *
 *   cliApproval(deps, approver, item, workspaceId?) -> what approval stores: the workspace the key acts on, the revision
 *   mintApiKey(deps, item, ctx)                  -> the key, once (after device-authorization.ts's single-use claim)
 *
 * The key is made by identity's createApiKey (the 50-key cap, the user's token revision, the
 * workspace binding, the audit event), with exactly the scopes the CLI asked for and shown to
 * the approver, on the workspace the approver chose (a member's, checked now and again on every
 * request by the authenticator), expiring after the device-token lifetime.
 */
import type { Scope } from '../contracts/route';
import type { Tier } from '../contracts/tiers';
import { DomainError } from '../errors';
import type { RequestContext } from '../identity/deps';
import type { Repository } from '../data/repository';
import { memberActor, type WorkspaceView } from '../workspaces/workspaces';
import type { DeviceAuthorizationItem } from './entities';

/** An API key as identity/api-keys.ts createApiKey returns it (the fields used here). */
export interface MintedApiKey {
  apiKey: { id: string; scopes: Scope[]; workspaceId: string | null };
  secret: string;
}

/** The ports of the CLI login: identity's key maker and the approver's workspaces. */
export interface CliLoginPorts {
  /** identity/api-keys.ts createApiKey bound to identity's deps. */
  readonly createApiKey: (
    actor: { userId: string; tier: Tier; tenant: { id: string } },
    input: { name: string; scopes: Scope[]; expiresAt: string; tokenRevision?: number },
    ctx: RequestContext,
  ) => Promise<MintedApiKey>;
  /** identity/api-keys.ts apiKeyStanding: 429 when the user holds the 50 keys already, else their token revision. */
  readonly apiKeyStanding: (userId: string) => Promise<{ tokenRevision: number }>;
  /** workspaces/workspaces.ts listWorkspaces: the user's workspaces, `active` marking activeId. */
  readonly workspacesOf: (userId: string, activeId: string) => Promise<WorkspaceView[]>;
}

interface CliLoginDeps {
  readonly repo: Repository;
  readonly now: () => number;
  readonly deviceTokenLifetimeMs: number;
  readonly cliLogin: CliLoginPorts;
}

/** The approver: the signed-in user, and the workspace their session acts on (the default choice). */
export interface Approver {
  readonly userId: string;
  readonly tier: Tier;
  readonly activeWorkspaceId: string;
}

/** API key names are at most 100 characters (contracts ListedName). */
const KEY_NAME_PREFIX = 'CLI: ';
export const cliKeyName = (deviceName: string) => KEY_NAME_PREFIX + deviceName.slice(0, 100 - KEY_NAME_PREFIX.length);

export const isCliLogin = (item: Pick<DeviceAuthorizationItem, 'scopes'>): item is { scopes: Scope[] } => !!item.scopes?.length;

/** The approver's workspaces to bind the key to (null for a sync device's authorization). */
export async function workspaceChoices(deps: CliLoginDeps, approver: Approver, item: DeviceAuthorizationItem) {
  if (!isCliLogin(item)) return null;
  const workspaces = await deps.cliLogin.workspacesOf(approver.userId, approver.activeWorkspaceId);
  return workspaces.map((w) => ({ id: w.id, name: w.name, personal: w.personal, role: w.role, active: w.active }));
}

/**
 * What approving stores beyond the approver: for a CLI login, the workspace its key will act on
 * (the named one or the active one; 404 unless the approver is a member, as on every workspace
 * route) and the approver's token revision (a revoke-all before the claim ends the login), after
 * checking the user may hold one more key (so the approver, not only the CLI, sees the cap).
 * A sync device acts on no workspace, so naming one is a 400.
 */
export async function cliApproval(
  deps: CliLoginDeps,
  approver: Approver,
  item: DeviceAuthorizationItem,
  workspaceId: string | undefined,
): Promise<Pick<DeviceAuthorizationItem, 'workspaceId' | 'tokenRevision'>> {
  if (!isCliLogin(item)) {
    if (workspaceId === undefined) return {};
    throw new DomainError('invalid', 'Only a CLI login (an authorization asking for scopes) acts on a workspace', {
      code: 'validation-failed',
      fields: [{ in: 'body', field: 'workspaceId', message: 'a sync device acts on no workspace: leave it out', code: 'unexpected' }],
    });
  }
  const chosen = workspaceId ?? approver.activeWorkspaceId;
  await memberActor(deps, approver.userId, chosen, approver.tier);
  const { tokenRevision } = await deps.cliLogin.apiKeyStanding(approver.userId);
  return { workspaceId: chosen, tokenRevision };
}

/** The claimed CLI login's API key, in the RFC 6749 §5.1 token response shape (scope space-separated, §3.3). */
export async function mintApiKey(deps: CliLoginDeps, item: DeviceAuthorizationItem & { scopes: Scope[] }, ctx: RequestContext) {
  const { apiKey, secret } = await deps.cliLogin.createApiKey(
    { userId: item.userId!, tier: item.tier ?? 'free', tenant: { id: item.workspaceId ?? item.userId! } },
    {
      name: cliKeyName(item.deviceName),
      scopes: item.scopes,
      expiresAt: new Date(deps.now() + deps.deviceTokenLifetimeMs).toISOString(),
      tokenRevision: item.tokenRevision,
    },
    ctx,
  );
  return {
    access_token: secret,
    token_type: 'Bearer' as const,
    expires_in: Math.floor(deps.deviceTokenLifetimeMs / 1000),
    scope: apiKey.scopes.join(' '),
    api_key_id: apiKey.id,
    workspace_id: apiKey.workspaceId ?? item.userId!,
  };
}
