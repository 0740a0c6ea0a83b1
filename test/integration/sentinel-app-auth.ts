/**
 * The hosted login's sentinel entry (sentinel-workspaces.ts): an automation credential named with a
 * sentinel, a hosted-login code and an app session minted for the workspace's member. The
 * credential's name must never be in the table or a backup (it is encrypted); nor may a token's
 * secret (only its SHA-256 is stored).
 */
import { mintAppSession } from '../../functions/app-auth/app-sessions';
import { createAutomationCredential } from '../../functions/app-auth/automation';
import { appTarget, issueCode, resolveClient } from '../../functions/app-auth/hosted-login';
import { createApplication } from '../../functions/applications/applications';
import { parseAppToken } from '../../functions/identity/tokens';
import type { WorkspaceSentinel } from './sentinel-workspaces';

export const appAuthSentinel: WorkspaceSentinel = {
  name: 'hosted login (automation credential names, code and token secrets)',
  async run(ctx) {
    const deps = { repo: ctx.dl.repo, audit: ctx.dl.audit, now: Date.now };
    const audit = { label: `user#${ctx.owner.memberId}`, requestId: 'sentinel-app-auth', ip: '127.0.0.1', userAgent: 'sentinel' };
    const app = await createApplication(deps, ctx.owner, audit, {
      name: ctx.sentinel('app-auth-app'),
      allowedOrigins: ['https://login.example.com'],
      redirectUris: ['https://login.example.com/cb'],
      enabled: true,
    });
    const { secret } = await createAutomationCredential(deps, ctx.owner, audit, app.id, ctx.sentinel('automation-name'));
    const client = await resolveClient(deps, app.clientId);
    const code = await issueCode(deps, client, ctx.member.userId, { redirectUri: 'https://login.example.com/cb', codeChallenge: 'A'.repeat(43) });
    const session = await mintAppSession(deps, appTarget(client), ctx.member.userId);
    // The secrets are checked like sentinels: none of them may appear anywhere.
    for (const token of [secret, code, session.token]) {
      const parsed = parseAppToken(token, 'automation') ?? parseAppToken(token, 'authCode') ?? parseAppToken(token, 'appSession');
      if (!parsed) throw new Error('unexpected token shape');
      ctx.track(parsed.secret);
    }
  },
};
