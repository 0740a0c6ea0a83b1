/**
 * The ciphertext-only workload: every step writes known sentinel strings into
 * every encrypted attribute it touches (and into personal data that must only
 * appear as a blind index). sentinel-scan.test.ts runs all steps, then scans
 * the raw table and asserts no sentinel appears anywhere.
 *
 * EXTEND THIS LIST in later issues (emails, Cloudflare tokens, DNS contents,
 * job context, vault payloads, sync blobs, ...): add a step that stores data
 * through the real domain functions, using `ctx.sentinel(label)` for every
 * sensitive value.
 */
import { rotateTenantKey } from '../../functions/ops/key-rotation';
import type { Tenant } from '../../functions/tenancy/tenant';
import { defineEntity } from '../../functions/data/entity';
import type { DataLayer } from '../../functions/data/from-env';
import { signup } from '../../functions/identity/accounts';
import { createApiKey } from '../../functions/identity/api-keys';
import { DEFAULT_IDENTITY_CONFIG, type IdentityDeps } from '../../functions/identity/deps';
import { confirmTotp, enrollTotp } from '../../functions/identity/mfa';
import { requestPasswordReset } from '../../functions/identity/password-reset';
import { parseToken } from '../../functions/identity/tokens';
import { Secret, TOTP } from 'otpauth';
import { startCloudflareSandbox } from '../../lib/local/cloudflare';
import { connectAccount, listAccounts, removeAccount, verifyAccount, type CloudflareDeps } from '../../functions/cloudflare/accounts';
import { createRecord, exportZone, listRecords, listZones, updateRecord } from '../../functions/cloudflare/dns';
import { userTenant } from '../../functions/tenancy/tenant';
import type { CfApi } from '../../functions/cloudflare/bulk-client';
import { cancelJob } from '../../functions/jobs/cancel';
import { DEFAULT_JOBS_CONFIG, type JobsDeps } from '../../functions/jobs/deps';
import { chunkMessage } from '../../functions/jobs/messages';
import { processChunk } from '../../functions/jobs/process-chunk';
import { listItems } from '../../functions/jobs/queries';
import { applyAndWait, MemQueue, planAndWait } from './jobs-harness';
import { createJobStore } from '../../functions/jobs/store';
import { limitsFor } from '../../functions/platform/tiers';

export interface SentinelContext {
  readonly dl: DataLayer;
  readonly user: Tenant;
  readonly workspace: Tenant;
  /** A unique, recognisable plaintext; every one handed out is searched for in the scan. */
  sentinel(label: string): string;
  /** Search the scan for a secret the system generated (TOTP secret, recovery code, token). */
  track(value: string): void;
}

export interface SentinelStep {
  readonly name: string;
  run(ctx: SentinelContext): Promise<void>;
}

const Note = defineEntity<{ title: string; body: unknown }>({ name: 'sentinel-note', skPrefix: 'SNOTE#', encrypted: ['title', 'body'] });
const Profile = defineEntity<{ emailIndex: string; email: string; displayName: string }>({
  name: 'sentinel-profile',
  skPrefix: 'SPROFILE#',
  encrypted: ['email', 'displayName'],
});

export const sentinelSteps: SentinelStep[] = [
  {
    name: 'repository: create / update / put / transaction with encrypted attributes',
    async run({ dl, user, workspace, sentinel }) {
      await dl.repo.create(user, Note, 'SNOTE#1', { title: sentinel('note-title'), body: { nested: [sentinel('note-nested')] } });
      await dl.repo.update(user, Note, 'SNOTE#1', { body: sentinel('note-updated') }, { expectedVersion: 1 });
      await dl.repo.create(workspace, Note, 'SNOTE#ws', { title: sentinel('ws-title'), body: sentinel('ws-body') }, { gsi1: { pk: 'NOTES', sk: '1' } });
      await dl.repo.put(workspace, Note, 'SNOTE#ws', { title: sentinel('ws-title-2'), body: 1 }, { expectedVersion: 1 });
    },
  },
  {
    name: 'unique email: blind-index guard + encrypted email in one transaction',
    async run({ dl, user, sentinel }) {
      const email = `${sentinel('email-local')}@example.com`;
      const emailIndex = await dl.blind.blindIndex('email', email);
      await dl.repo
        .tx(user)
        .createGlobal(`EMAIL#${emailIndex}`, 'GUARD')
        .create(Profile, 'SPROFILE#me', { emailIndex, email, displayName: sentinel('display-name') })
        .commit();
    },
  },
  {
    name: 'audit: ip, user agent and metadata',
    async run({ dl, user, sentinel }) {
      await dl.audit.record(
        user,
        { type: 'sentinel.event', actor: 'system', ip: sentinel('ip'), userAgent: sentinel('ua'), metadata: { why: sentinel('audit-meta') } },
        { retentionDays: 30 },
      );
    },
  },
  {
    name: 'rotation: audit event, items written under a second DEK version',
    async run({ dl, user, sentinel }) {
      await rotateTenantKey({ keyring: dl.keyring, audit: dl.audit }, user, { actor: 'system', ip: sentinel('rot-ip'), retentionDays: 30 });
      await dl.repo.create(user, Note, 'SNOTE#after-rotation', { title: sentinel('after-rotation'), body: null });
    },
  },
  {
    name: 'identity: email, password, session client, TOTP secret, recovery codes, API key, reset mail',
    async run({ dl, sentinel, track }) {
      const sent: string[] = [];
      const deps: IdentityDeps = {
        repo: dl.repo,
        table: dl.table,
        blind: dl.blind,
        audit: dl.audit,
        mailer: { send: async (m) => void sent.push(m.text) },
        now: Date.now,
        config: { ...DEFAULT_IDENTITY_CONFIG, publicUrl: 'http://127.0.0.1' },
      };
      const email = `${sentinel('id-email').toLowerCase()}@example.com`;
      const password = `${sentinel('id-password')}-Correct-Horse`;
      const ctx = { requestId: 'sentinel', ip: sentinel('id-ip'), userAgent: sentinel('id-ua') };
      const { user, session } = await signup(deps, { email, password }, ctx);
      track(parseToken(session.token)!.secret);
      track(session.csrfToken);
      const { secret } = await enrollTotp(deps, user.id);
      track(secret);
      const code = new TOTP({ secret: Secret.fromBase32(secret) }).generate();
      for (const recovery of await confirmTotp(deps, user.id, code, ctx)) track(recovery);
      const key = await createApiKey(deps, { userId: user.id, tier: 'free' }, { name: sentinel('id-key-name'), scopes: ['account:read'] }, ctx);
      track(parseToken(key.secret)!.secret);
      await requestPasswordReset(deps, email, ctx);
      track(parseToken(/Reset token: (\S+)/.exec(sent.find((m) => m.includes('Reset token'))!)![1]!)!.secret);
    },
  },
  {
    name: 'cloudflare: token + sandbox accounts, zones, record writes, rejected token (needs-attention detail, audit)',
    async run({ dl, sentinel, track }) {
      const sb = await startCloudflareSandbox({ seed: { zones: 1, recordsPerZone: 3 } });
      const previousBaseUrl = process.env.CLOUDFLARE_BASE_URL;
      process.env.CLOUDFLARE_BASE_URL = sb.url; // token accounts: the SDK's own override
      try {
        const deps: CloudflareDeps = { repo: dl.repo, table: dl.table, audit: dl.audit, cloudflare: { sandboxUrl: sb.url }, now: Date.now };
        const userId = `cf-${Date.now().toString(36)}`;
        const actor = { tenant: userTenant(userId), memberId: userId, tier: 'free' as const, role: 'OWNER' as const };
        const audit = { label: `user#${userId}`, requestId: 'sentinel', ip: '127.0.0.1', userAgent: 'sentinel' };
        const cfAccount = [...sb.state.accounts.values()][0]!;
        const zoneName = `${sentinel('cf-zone').toLowerCase()}.example`;
        const zone = sb.state.addZone({ name: zoneName, accountId: cfAccount.id, plan: 'pro' }).zone;
        const token = sentinel('cf-token');
        sb.addToken({ value: token, name: 'sentinel' });

        const account = await connectAccount(deps, actor, audit, { name: sentinel('cf-account-name'), token });
        await listZones(deps, actor, account.id, { search: zoneName, page: 1, perPage: 20 });
        const recordName = `${sentinel('cf-record').toLowerCase()}.${zoneName}`;
        const rec = await createRecord(deps, actor, account.id, zone.id, { type: 'TXT', name: recordName, content: sentinel('cf-content'), ttl: 300, proxied: false });
        await updateRecord(deps, actor, account.id, zone.id, rec.id, { content: sentinel('cf-content-2'), comment: sentinel('cf-comment').slice(0, 90) });
        await listRecords(deps, actor, account.id, zone.id, { name: recordName, page: 1, perPage: 100 });
        await exportZone(deps, actor, account.id, zone.id);
        // a Cloudflare error naming the zone and record, then a rejected token: detail + audit stored encrypted
        await createRecord(deps, actor, account.id, zone.id, { type: 'CNAME', name: recordName, content: zoneName }).catch(() => undefined);
        sb.state.revokeToken(token);
        await listRecords(deps, actor, account.id, zone.id, { name: recordName, page: 1, perPage: 100 }).catch(() => undefined);
        await verifyAccount(deps, actor, audit, account.id);

        // a sandbox account (token minted by the sandbox) is stored the same way
        const demo = await connectAccount(deps, actor, audit, { name: sentinel('cf-demo-name'), sandbox: true });
        for (const t of sb.state.tokens.keys()) if (t !== token) track(t);
        await listAccounts(deps, actor);
        await removeAccount(deps, actor, audit, demo.id);
      } finally {
        if (previousBaseUrl === undefined) delete process.env.CLOUDFLARE_BASE_URL;
        else process.env.CLOUDFLARE_BASE_URL = previousBaseUrl;
        await sb.close();
      }
    },
  },
  {
    name: 'jobs: zone names, DNS names/contents (plan pages, snapshot, outcome), job params, failure reasons',
    async run({ dl, user, sentinel }) {
      // A fake Cloudflare (no I/O) whose zone and records carry sentinels; the engine stores plan
      // items, chunk outcomes (created ids + failure reasons) and job params/zones encrypted.
      const zone = { id: 'a'.repeat(32), name: `${sentinel('job-zone').toLowerCase()}.example`, plan: 'free', batchLimit: 200, recordQuota: 200, tagsAllowed: false };
      const records = Array.from({ length: 4 }, (_, i) => ({
        id: String(i).repeat(32).slice(0, 32),
        type: 'TXT',
        name: `${sentinel(`job-rec-name-${i}`).toLowerCase()}.${zone.name}`,
        content: sentinel(`job-rec-content-${i}`),
        ttl: 300,
        proxied: false,
      }));
      const failure = sentinel('job-failure-reason');
      const api: CfApi = {
        listZones: async () => [zone],
        listRecords: async () => records,
        batch: async () => {
          const { CfCallError } = await import('../../functions/cloudflare/bulk-client');
          throw new CfCallError('rejected', `patches[0]: ${failure}`, { status: 400 });
        },
        getSettings: async () => ({}),
        patchSettings: async () => undefined,
        purge: async () => undefined,
      };
      const deps: JobsDeps = {
        repo: dl.repo,
        store: createJobStore(dl.table, dl.keyring),
        queue: new MemQueue(),
        connect: async () => api,
        limits: limitsFor,
        audit: dl.audit,
        now: Date.now,
        sleep: async () => undefined,
        config: DEFAULT_JOBS_CONFIG,
      };
      const actor = { tenant: userTenant(user.id), memberId: user.id, tier: 'pro' as const, role: 'OWNER' as const };
      const job = await planAndWait(deps, deps.queue as MemQueue, actor, {
        kind: 'dns-replace',
        accountId: 'sentinelacct',
        zones: [zone.id],
        params: { match: { content: { value: 'SENTINEL-job-rec-content', mode: 'contains' } }, set: { content: sentinel('job-new-content') } },
      });
      await applyAndWait(deps, deps.queue as MemQueue, actor, job.id, { force: true, mode: 'server' });
      await processChunk(deps, chunkMessage(actor.tenant, job.id, 0), { owner: 'sentinel', receiveCount: 1, maxReceiveCount: 5 });
      const items = await listItems(deps, actor, job.id, { limit: 10 });
      if (!items.items.some((i) => i.status === 'failed' && i.error?.includes(failure))) throw new Error('expected a failed item with the sentinel reason');
      await cancelJob(deps, actor, job.id).catch(() => undefined);
    },
  },
];
