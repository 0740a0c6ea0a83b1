/** Cloudflare accounts, zones and DNS records (thin: parse → authorize → domain → HTTP). */
import * as c from '../contracts/cloudflare';
import { exportZoneState as exportZoneStateRoute } from '../contracts/dns-sync';
import { dataLayerFromEnv } from '../data/from-env';
import { accountRows, connectAccount, listAccounts, recordAccountEvent, removeAccount, verifyAccount, type AuditContext, type CloudflareDeps } from '../cloudflare/accounts';
import { cloudflareEnv } from '../cloudflare/client';
import { createRecord, deleteRecord, exportZone, listRecords, listZones, updateRecord } from '../cloudflare/dns';
import { exportZoneState } from '../cloudflare/zone-state';
import type { RequestMeta } from '../http/auth';
import { bind, httpFunction } from '../http/handler';
import { accessRecorder } from './access-recorder';
import { identityFromEnv } from '../identity/from-env';
import { actorOf, type Actor } from '../tenancy/actor';
import type { Principal } from '../tenancy/principal';
import type { Tenant } from '../tenancy/tenant';

const data = dataLayerFromEnv();
const env = cloudflareEnv();
const { authenticate } = identityFromEnv();

function auditContextOf(principal: Principal, meta: RequestMeta): AuditContext {
  return {
    label: principal.credential === 'api-key' ? `apikey#${principal.credentialId}` : `user#${principal.userId}`,
    requestId: meta.requestId,
    ip: meta.ip,
    userAgent: meta.userAgent,
  };
}

/** Per request: the needs-attention hook audits with this request's actor. */
function depsFor(actor: Actor, audit: AuditContext): CloudflareDeps {
  const deps: CloudflareDeps = {
    repo: data.repo,
    table: data.table,
    audit: data.audit,
    cloudflare: env,
    now: Date.now,
    onNeedsAttention: async (_tenant, account, detail) => {
      await recordAccountEvent(deps, actor, audit, 'cloudflare.account.verify-failed', { accountId: account.id, detail, during: 'call' });
    },
  };
  return deps;
}

const ctx = (req: { principal: Principal } & RequestMeta) => {
  const actor = actorOf(req.principal);
  const audit = auditContextOf(req.principal, req);
  return { actor, audit, deps: depsFor(actor, audit) };
};

const attachmentName = (zoneName: string) => `${zoneName.replace(/[^A-Za-z0-9.-]/g, '_').slice(0, 200) || 'zone'}.txt`;

export const handler = httpFunction(
  'cloudflare',
  [
    bind(c.createCloudflareAccount, async (req) => {
      const { deps, actor, audit } = ctx(req);
      return { status: 201, body: { account: await connectAccount(deps, actor, audit, req.body) } };
    }),
    bind(c.listCloudflareAccounts, async (req) => ({ body: { accounts: await listAccounts(data, actorOf(req.principal), req.prefetched) } }), {
      // The list's Query runs alongside authentication (functions/http/prefetch.ts).
      prefetch: (tenantGuess: Tenant) => accountRows(data, tenantGuess),
    }),
    bind(c.deleteCloudflareAccount, async (req) => {
      const { deps, actor, audit } = ctx(req);
      await removeAccount(deps, actor, audit, req.params.id);
      return { status: 204 };
    }),
    bind(c.verifyCloudflareAccount, async (req) => {
      const { deps, actor, audit } = ctx(req);
      return { body: { account: await verifyAccount(deps, actor, audit, req.params.id) } };
    }),
    bind(c.listZones, async (req) => {
      const { deps, actor } = ctx(req);
      return { body: await listZones(deps, actor, req.params.id, req.query) };
    }),
    bind(c.listDnsRecords, async (req) => {
      const { deps, actor } = ctx(req);
      return { body: await listRecords(deps, actor, req.params.id, req.params.zoneId, req.query) };
    }),
    bind(c.createDnsRecord, async (req) => {
      const { deps, actor } = ctx(req);
      return { status: 201, body: { record: await createRecord(deps, actor, req.params.id, req.params.zoneId, req.body) } };
    }),
    bind(c.updateDnsRecord, async (req) => {
      const { deps, actor } = ctx(req);
      return { body: { record: await updateRecord(deps, actor, req.params.id, req.params.zoneId, req.params.recordId, req.body) } };
    }),
    bind(c.deleteDnsRecord, async (req) => {
      const { deps, actor } = ctx(req);
      await deleteRecord(deps, actor, req.params.id, req.params.zoneId, req.params.recordId);
      return { status: 204 };
    }),
    bind(c.exportZoneBind, async (req) => {
      const { deps, actor } = ctx(req);
      const { zoneName, bind: text } = await exportZone(deps, actor, req.params.id, req.params.zoneId);
      return { text, headers: { 'content-disposition': `attachment; filename="${attachmentName(zoneName)}"` } };
    }),
    bind(exportZoneStateRoute, async (req) => {
      const { deps, actor } = ctx(req);
      return { body: await exportZoneState(deps, actor, req.params.id, req.params.zoneId) };
    }),
  ],
  { authenticate, recordAccess: accessRecorder() },
);

