/**
 * Applications' and the API-access log's sentinel entry (sentinel-workspaces.ts):
 * an application registered and renamed with sentinel names (its audit events
 * carry a sentinel IP and user agent), and API-access entries recorded with a
 * sentinel IP and user agent, for a session and an API key.
 */
import { listAccess, recordAccess, type AccessLogDeps } from '../../functions/access-log/access-log';
import { createApplication, getApplication, updateApplication, type ApplicationDeps } from '../../functions/applications/applications';
import type { Principal } from '../../functions/tenancy/principal';
import { createWorkspaceStore } from '../../functions/workspaces/store';
import type { WorkspaceSentinel } from './sentinel-workspaces';

export const applicationSentinel: WorkspaceSentinel = {
  name: 'applications (names, audit IP/UA) and the API-access log (IPs, user agents)',
  async run(ctx) {
    const apps: ApplicationDeps = { repo: ctx.dl.repo, audit: ctx.dl.audit, now: Date.now };
    const audit = { label: `user#${ctx.owner.memberId}`, requestId: 'sentinel', ip: ctx.sentinel('app-audit-ip'), userAgent: ctx.sentinel('app-audit-ua') };
    const app = await createApplication(apps, ctx.owner, audit, {
      name: ctx.sentinel('app-name'),
      allowedOrigins: ['https://app.example.com'],
      redirectUris: ['https://app.example.com/callback'],
      enabled: true,
    });
    await updateApplication(apps, ctx.owner, audit, app.id, { name: ctx.sentinel('app-renamed'), enabled: false });
    if (!(await getApplication(apps, ctx.owner, app.id)).name.startsWith('SENTINEL-app-renamed')) throw new Error('application not renamed');

    const store = createWorkspaceStore(ctx.dl.repo);
    const log: AccessLogDeps = { repo: ctx.dl.repo, tierOf: async (id) => (await store.getWorkspace(id))?.tier };
    for (const credential of ['session', 'api-key'] as const) {
      const principal: Principal = {
        tenant: ctx.owner.tenant,
        role: 'OWNER', // ctx.owner is the workspace's OWNER (a Principal's role is a member's role)
        userId: ctx.owner.memberId,
        tier: ctx.owner.tier,
        credential,
        credentialId: `sentinel-${credential}`,
        scopes: 'all',
        viaCookie: false,
      };
      await recordAccess(log, {
        principal,
        operationId: 'listApplications',
        method: 'GET',
        params: { workspaceId: ctx.owner.tenant.id },
        status: 200,
        latencyMs: 3,
        requestId: `sentinel-${credential}`,
        ip: ctx.sentinel(`access-ip-${credential}`),
        userAgent: ctx.sentinel(`access-ua-${credential}`),
        startedAt: Date.now(),
      });
    }
    const entries = (await listAccess(log, ctx.owner, { limit: 10 })).entries;
    if (entries.filter((e) => e.ip.startsWith('SENTINEL-access-ip')).length !== 2) throw new Error('access entries not readable');
  },
};
