/**
 * Who is calling, derived from the credential alone: what the authenticator
 * (identity/authenticate.ts) yields and the handlers receive. It names the
 * tenant the credential acts on; domains take the `Actor` made from it
 * (actor.ts `actorOf`).
 */
import type { Scope } from '../contracts/route';
import type { Tier } from '../contracts/tiers';
import type { Role } from '../contracts/workspaces';
import type { Tenant } from './tenant';

export interface Principal {
  /** The workspace this credential acts on: a session's active workspace, an API key's workspace. */
  readonly tenant: Tenant;
  /** The user's current role in that workspace (read from the membership on every request). */
  readonly role: Role;
  /** The signed-in user (the member). */
  readonly userId: string;
  /** The workspace's tier. */
  readonly tier: Tier;
  readonly credential: 'session' | 'api-key';
  /** Session id (credential `session`) or API key id (credential `api-key`). */
  readonly credentialId: string;
  /** `all` for sessions; the key's scopes for API keys. */
  readonly scopes: 'all' | readonly Scope[];
  /** True when the session came from the browser cookie (CSRF applies). */
  readonly viaCookie: boolean;
  /** Set when the user has not verified their email yet (absent: verified, or an account from before verification). */
  readonly emailUnverified?: true;
}

/**
 * Who calls a Session API route (`auth: 'app'`): an application's end user (an app session
 * token from the hosted login) or the application's automation credential. Its vault subject is
 * (tenant, applicationId, appUserId), all from the credential; it never acts on a workspace's
 * other items and never holds a role.
 */
export interface AppPrincipal {
  /** The application's workspace. */
  readonly tenant: Tenant;
  /** The workspace's tier (the vault and session limits). */
  readonly tier: Tier;
  readonly applicationId: string;
  /** The identity user id (app session) or `auto_<credentialId>` (automation credential). */
  readonly appUserId: string;
  readonly credential: 'app-session' | 'automation';
  /** App session id or automation credential id. */
  readonly credentialId: string;
  /** The application's registered browser origins (CORS). */
  readonly allowedOrigins: readonly string[];
}

/**
 * Who calls a sync device route (`auth: 'device'`): a device linked through device authorization.
 * Its subject is the user's own partition; it never acts on a workspace and never holds a role.
 */
export interface DevicePrincipal {
  /** The user's partition. */
  readonly tenant: Tenant;
  readonly userId: string;
  readonly deviceId: string;
  /** The user's tier (audit retention, limits). */
  readonly tier: Tier;
  /** The stored hash of the token this request presented: a rotation replaces only that token. */
  readonly tokenHash: string;
}

/** The automation credential's service user: its own values, never an end user's. */
export const automationUserId = (credentialId: string): string => `auto_${credentialId}`;

/** One authenticated call once its answer is known (the API-access log). */
export interface AccessRecord {
  readonly principal: Principal;
  readonly operationId: string;
  readonly method: string;
  /** The parsed path parameters (undefined when they failed validation). */
  readonly params: Readonly<Record<string, unknown>> | undefined;
  readonly status: number;
  readonly latencyMs: number;
  readonly requestId: string;
  readonly ip: string;
  readonly userAgent: string;
  /** Epoch ms when the call arrived. */
  readonly startedAt: number;
}
