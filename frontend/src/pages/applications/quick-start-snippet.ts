import type { Application } from '../../api/types';

/** The SDK snippet of one application, filled in with its client id and first redirect URI, ready to paste. */
export function quickStartSnippet(app: Pick<Application, 'clientId' | 'redirectUris'>, apiUrl: string): string {
  return [
    "import { createVault } from '@flarevault/sdk';",
    '',
    'const vault = createVault({',
    `  apiUrl: '${apiUrl}',`,
    `  clientId: '${app.clientId}',`,
    `  redirectUri: '${app.redirectUris[0] ?? 'https://app.example.com/'}',`,
    '});',
    '',
    'await vault.handleCallback();             // back from the hosted login: code → token (memory only)',
    'if (!vault.signedIn) await vault.login();  // hosted login (PKCE), then back to this page',
    "await vault.set('greeting', { text: 'hello' });",
    "const entry = await vault.get('greeting'); // { key, value, version, updatedAt } or null",
  ].join('\n');
}
