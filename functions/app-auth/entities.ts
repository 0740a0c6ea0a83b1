/**
 * Items of the hosted login and the application credentials, all in the application's workspace
 * partition (`T#workspace#<id>`):
 *   AUTHCODE#<codeId>                         a hosted-login code (60 s, single use)
 *   APPUSER#<appId>#<userId>                  an application user: the revision its tokens must carry
 *   APPSESSION#<appId>#<userId>#<sessionId>   an app session token (hash, revisions, expiry)
 *   APPSLOT#<appId>#<userId>#<n>              live-session slot n (the per-user cap, race-free)
 *   APPCRED#<appId>#<credentialId>            an automation credential
 * Credential items carry the encrypted `integrity` digest of their grants (identity/credential-integrity.ts).
 * Plain: ids, hashes of high-entropy secrets, times, revisions, the redirect URI and PKCE challenge
 * (configuration and a public hash). Encrypted: credential names (typed by a person).
 */
import { defineEntity } from '../data/entity';
import { credentialKind } from '../identity/credential-integrity';

export interface AuthCodeItem {
  secretHash: string;
  applicationId: string;
  /** The identity user who signed in. */
  userId: string;
  /** Exactly as the authorize request named it; the code exchange must repeat it. */
  redirectUri: string;
  /** PKCE S256 challenge (RFC 7636 §4.2). */
  codeChallenge: string;
  /** Epoch ms. */
  expiresAt: number;
  /** Set when the code was exchanged: the session it minted (ended again if the code is replayed). */
  sessionId?: string;
  integrity: string;
}
export const AuthCodeEntity = defineEntity<AuthCodeItem>({ name: 'auth-code', skPrefix: 'AUTHCODE#', encrypted: ['integrity'] });
export const AuthCodeCredential = credentialKind(AuthCodeEntity, ['secretHash', 'applicationId', 'userId', 'redirectUri', 'codeChallenge', 'expiresAt']);
export const authCodeSk = (codeId: string) => `AUTHCODE#${codeId}`;

export interface AppUserItem {
  /** Bumped by the user's own revoke, an admin's revoke and the hosted logout: older tokens are dead. */
  revision: number;
  kind: 'user' | 'automation';
  createdAt: string;
  lastSeenAt: string;
}
export const AppUserEntity = defineEntity<AppUserItem>({ name: 'app-user', skPrefix: 'APPUSER#', encrypted: [] });
export const appUserSk = (applicationId: string, appUserId: string) => `APPUSER#${applicationId}#${appUserId}`;
export const appUsersPrefix = (applicationId: string) => `APPUSER#${applicationId}#`;

export interface AppSessionItem {
  secretHash: string;
  /** The app user's revision at mint. */
  revision: number;
  /** The identity user's token revision at mint (a password change or reset bumps it). */
  userRevision: number;
  /** Epoch ms: 410 from then on (the item is kept a while after, so the answer is 410, not 401). */
  expiresAt: number;
  /** The live-session slot it holds. */
  slot: number;
  createdAt: string;
  integrity: string;
}
export const AppSessionEntity = defineEntity<AppSessionItem>({ name: 'app-session', skPrefix: 'APPSESSION#', encrypted: ['integrity'] });
export const AppSessionCredential = credentialKind(AppSessionEntity, ['secretHash', 'revision', 'userRevision', 'expiresAt']);
export const appSessionsPrefix = (applicationId: string, userId: string) => `APPSESSION#${applicationId}#${userId}#`;
export const appSessionSk = (applicationId: string, userId: string, sessionId: string) => `${appSessionsPrefix(applicationId, userId)}${sessionId}`;

/**
 * One of the user's live-session slots: free when absent, or when the session it names expired,
 * was revoked (older revisions) or ended. Taking one is a conditional write on its version, so
 * concurrent code exchanges cannot take more slots than the tier allows.
 */
export interface AppSlotItem {
  sessionId: string;
  expiresAt: number;
  revision: number;
  userRevision: number;
}
export const AppSlotEntity = defineEntity<AppSlotItem>({ name: 'app-session-slot', skPrefix: 'APPSLOT#', encrypted: [] });
export const appSlotSk = (applicationId: string, userId: string, n: number) => `APPSLOT#${applicationId}#${userId}#${String(n).padStart(3, '0')}`;
export const appSlotsPrefix = (applicationId: string, userId: string) => `APPSLOT#${applicationId}#${userId}#`;

export interface AutomationCredentialItem {
  /** Encrypted. */
  name: string;
  /** First characters of the token, to recognise it in a list. */
  prefix: string;
  secretHash: string;
  createdBy: string;
  createdAt: string;
  lastUsedAt: string | null;
  integrity: string;
}
export const AutomationCredentialEntity = defineEntity<AutomationCredentialItem>({ name: 'automation-credential', skPrefix: 'APPCRED#', encrypted: ['name', 'integrity'] });
export const AutomationCredentialKind = credentialKind(AutomationCredentialEntity, ['secretHash']);
export const automationCredentialSk = (applicationId: string, credentialId: string) => `APPCRED#${applicationId}#${credentialId}`;
export const automationCredentialsPrefix = (applicationId: string) => `APPCRED#${applicationId}#`;
