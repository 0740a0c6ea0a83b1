/**
 * @flarevault/sdk: sign users in through flarevault's hosted login and keep
 * their encrypted session data in the vault.
 *
 *   const vault = createVault({ apiUrl, clientId, redirectUri });
 *   await vault.handleCallback();            // on the redirect URI page
 *   if (!vault.signedIn) await vault.login(); // hosted login, then back here
 *   await vault.set('draft', { text: 'hi' });
 *   const entry = await vault.get('draft');   // { key, value, version, updatedAt } | null
 */
export { createVault, SessionVault } from './vault';
export type { BrowserPorts, SetOptions, VaultEntry, VaultKey, VaultOptions, VaultWrite } from './vault';
export {
  ApiError,
  LimitError,
  LoginError,
  NotSignedInError,
  SessionExpiredError,
  TooManyRequestsError,
  ValueTooLargeError,
  VersionConflictError,
} from './errors';
export type { FieldIssue, Problem } from './errors';
