/**
 * The workspaces migration on a scratch table filled the way the previous version wrote it
 * (accounts and jobs under the USER tenant, active pointers naming `user#<id>`): after it,
 * everything reads through the current domain code as the personal workspace; a second run
 * changes nothing; an interrupted run resumes to the same state; two concurrent runs too.
 */
import { randomUUID } from 'node:crypto';
import { listAccounts } from '../../functions/cloudflare/accounts';
import type { CfApi } from '../../functions/cloudflare/bulk-client';
import { CloudflareAccountEntity, cfAccountSk } from '../../functions/cloudflare/entities';
import type { DataLayer } from '../../functions/data/from-env';
import { cancelJob } from '../../functions/jobs/cancel';
import { DEFAULT_JOBS_CONFIG, type JobsDeps } from '../../functions/jobs/deps';
import { getJob, listItems, listJobs } from '../../functions/jobs/queries';
import { ACTIVE_PK, createJobStore } from '../../functions/jobs/store';
import { migrateWorkspaces, MOVED_ENTITIES, type MigrationDeps } from '../../functions/ops/migrate-workspaces';
import { limitsFor } from '../../functions/platform/tiers';
import type { Actor } from '../../functions/tenancy/actor';
import { tenantPk, userTenant, workspaceTenant } from '../../functions/tenancy/tenant';
import { createWorkspaceStore } from '../../functions/workspaces/store';
import { layer, partition, putRaw, scanAll, scratchTable } from './data-fixtures';
import { applyAndWait, MemQueue, planAndWait } from './jobs-harness';

const MOVED = new Set(MOVED_ENTITIES.map((e) => e.name));

/** The engine with a fake account; its queue is an in-memory one (planning and drift checks are pumped). */
function jobsDeps(dl: DataLayer): JobsDeps & { queue: MemQueue } {
  const zone = { id: 'a'.repeat(32), name: 'old.example', plan: 'free', batchLimit: 200, recordQuota: 200, tagsAllowed: false };
  const records = Array.from({ length: 3 }, (_, i) => ({ id: String(i).repeat(32), type: 'TXT', name: `r${i}.old.example`, content: `old-${i}`, ttl: 300, proxied: false }));
  const api: CfApi = {
    listZones: async () => [zone],
    listRecords: async () => records,
    batch: async () => ({}),
    getSettings: async () => ({}),
    patchSettings: async () => undefined,
    purge: async () => undefined,
  } as unknown as CfApi;
  return {
    repo: dl.repo,
    audit: dl.audit,
    store: createJobStore(dl.table, dl.keyring),
    queue: new MemQueue(),
    connect: async () => api,
    limits: limitsFor,
    now: Date.now,
    sleep: async () => undefined,
    config: DEFAULT_JOBS_CONFIG,
  };
}

const planInput = { kind: 'dns-replace' as const, accountId: 'acct1', zones: ['a'.repeat(32)], params: { match: { content: { value: 'old-', mode: 'contains' as const } }, set: { content: 'new' } } };

/** What the previous version wrote for one user: two accounts, a planned job, an active (queued) job. */
async function seedOldData(dl: DataLayer, userId: string) {
  const old: Actor = { tenant: userTenant(userId), memberId: userId, tier: 'pro', role: 'OWNER' };
  const accounts = [`acc-${randomUUID().slice(0, 8)}`, `acc-${randomUUID().slice(0, 8)}`];
  for (const [i, id] of accounts.entries()) {
    await dl.repo.create(old.tenant, CloudflareAccountEntity, cfAccountSk(id), {
      name: `Old account ${i}`,
      token: `tok-${i}-${randomUUID()}`,
      tokenHint: 'abcd',
      kind: 'token',
      status: 'active',
      statusDetail: null,
      createdAt: new Date().toISOString(),
      verifiedAt: null,
    });
  }
  const deps = jobsDeps(dl);
  const planned = await planAndWait(deps, deps.queue, old, planInput);
  const active = await planAndWait(deps, deps.queue, old, planInput);
  await applyAndWait(deps, deps.queue, old, active.id, { force: true, mode: 'server' });
  return { accounts, planned: planned.id, active: active.id };
}

async function migrationDeps(dl: DataLayer): Promise<MigrationDeps> {
  return { table: dl.table, keyring: dl.keyring, repo: dl.repo, now: Date.now };
}

const movable = (items: Record<string, unknown>[]) => items.filter((i) => MOVED.has(i._e as string));
const keyOf = (i: Record<string, unknown>) => `${i.pk as string} ${i.sk as string}`;
const sorted = (items: Record<string, unknown>[]) => [...items].sort((a, b) => keyOf(a).localeCompare(keyOf(b)));

/** Everything the workspace must show after the migration, through the current domain code. */
async function expectMigrated(dl: DataLayer, userId: string, seeded: Awaited<ReturnType<typeof seedOldData>>, userItems: Record<string, unknown>[]) {
  const ws: Actor = { tenant: workspaceTenant(userId), memberId: userId, tier: 'pro', role: 'OWNER' };
  expect(movable(await partition(dl.table, tenantPk(userTenant(userId))))).toEqual([]);
  const wsItems = movable(await partition(dl.table, tenantPk(ws.tenant)));
  // same keys, same versions and TTLs, no duplicate
  expect(wsItems.map((i) => [i.sk, i.version, i.ttl])).toEqual(sorted(userItems).map((i) => [i.sk, i.version, i.ttl]));
  for (const i of wsItems) if (typeof i.gsi1pk === 'string') expect(i.gsi1pk.startsWith(`${tenantPk(ws.tenant)}#`)).toBe(true);

  expect((await listAccounts({ repo: dl.repo }, ws)).map((a) => a.id).sort()).toEqual([...seeded.accounts].sort());
  const deps = jobsDeps(dl);
  expect((await getJob(deps, ws, seeded.planned)).status).toBe('planned');
  expect((await getJob(deps, ws, seeded.active)).status).toBe('queued');
  expect((await listJobs(deps, ws, { limit: 10 })).jobs.map((j) => j.id).sort()).toEqual([seeded.planned, seeded.active].sort());
  expect((await listItems(deps, ws, seeded.active, { limit: 10 })).items.length).toBeGreaterThan(0);

  const pointers = (await partition(dl.table, ACTIVE_PK)).filter((p) => p.jobId === seeded.active);
  expect(pointers.map((p) => p.tenant)).toEqual([`workspace#${userId}`]);
  // the personal workspace, its OWNER and the user's link exist
  const store = createWorkspaceStore(dl.repo);
  expect((await store.getMember(userId, userId))?.role).toBe('OWNER');
  expect((await store.listLinks(userId)).map((l) => l.workspaceId)).toContain(userId);
}

describe('migrate-workspaces: data of the previous version moves into the personal workspace', () => {
  let table: Awaited<ReturnType<typeof scratchTable>>;
  let dl: DataLayer;
  beforeEach(async () => {
    table = await scratchTable();
    dl = layer(table);
  });
  afterEach(async () => table.drop());

  it('moves accounts, jobs and pointers; the workspace reads them; a second run changes nothing', async () => {
    const users = [`u-${randomUUID()}`, `u-${randomUUID()}`];
    const seeded = await Promise.all(users.map((u) => seedOldData(dl, u)));
    const before = await Promise.all(users.map(async (u) => movable(await partition(dl.table, tenantPk(userTenant(u))))));
    for (const b of before) {
      expect(new Set(b.map((i) => i._e))).toEqual(MOVED); // accounts, job, chunk, page, event, slots
    }
    const first = await migrateWorkspaces(await migrationDeps(dl));
    expect(first).toMatchObject({ users: 2, moved: before.flat().length, conflicts: [] });
    for (const [i, u] of users.entries()) await expectMigrated(dl, u, seeded[i]!, before[i]!);

    const snapshot = sorted(await scanAll(dl.table));
    expect(await migrateWorkspaces(await migrationDeps(layer(table)))).toEqual({ users: 0, moved: 0, pointers: 0, conflicts: [], unreadable: [] });
    expect(sorted(await scanAll(dl.table))).toEqual(snapshot);

    // the migrated active job is live under the workspace: cancelling it releases slot and pointer
    const ws: Actor = { tenant: workspaceTenant(users[0]!), memberId: users[0]!, tier: 'pro', role: 'OWNER' };
    await cancelJob(jobsDeps(dl), ws, seeded[0]!.active);
    expect((await partition(dl.table, ACTIVE_PK)).filter((p) => p.jobId === seeded[0]!.active)).toEqual([]);
  });

  it('an interrupted run resumes to the complete state, never duplicating an item', async () => {
    const userId = `u-${randomUUID()}`;
    const seeded = await seedOldData(dl, userId);
    const before = movable(await partition(dl.table, tenantPk(userTenant(userId))));
    const total = before.length;
    const count = async () => movable(await scanAll(dl.table)).length;
    for (const stopAt of [1, 3]) {
      await expect(
        migrateWorkspaces(await migrationDeps(layer(table)), {
          afterMove: (n) => {
            if (n === stopAt) throw new Error('interrupted');
          },
        }),
      ).rejects.toThrow('interrupted');
      expect(await count()).toBe(total); // each item in exactly one place
    }
    const resumed = await migrateWorkspaces(await migrationDeps(layer(table)));
    expect(resumed.moved).toBe(total - 1 - 3); // the first run moved 1, the second 3
    expect(await count()).toBe(total);
    await expectMigrated(dl, userId, seeded, before);
  });

  it('two concurrent runs end in the same state', async () => {
    const userId = `u-${randomUUID()}`;
    const seeded = await seedOldData(dl, userId);
    const before = movable(await partition(dl.table, tenantPk(userTenant(userId))));
    const runs = await Promise.all([migrateWorkspaces(await migrationDeps(layer(table))), migrateWorkspaces(await migrationDeps(layer(table)))]);
    expect(runs[0]!.moved + runs[1]!.moved).toBe(before.length);
    expect(movable(await scanAll(dl.table)).length).toBe(before.length);
    await expectMigrated(dl, userId, seeded, before);
    const slots = await partition(dl.table, tenantPk(workspaceTenant(userId)));
    expect(slots.find((i) => i._e === 'job-slots')?.active).toBe(1);
  });

  it('reports an item that does not decrypt and leaves it in place, moving the rest', async () => {
    const userId = `u-${randomUUID()}`;
    const seeded = await seedOldData(dl, userId);
    const pk = tenantPk(userTenant(userId));
    const sk = cfAccountSk(seeded.accounts[0]!);
    const [raw] = (await partition(dl.table, pk)).filter((i) => i.sk === sk);
    const name = raw!.name as string;
    await putRaw(dl.table, [{ ...raw, name: `${name.slice(0, -6)}${name.slice(-6) === 'AAAAAA' ? 'BBBBBB' : 'AAAAAA'}` }]);
    const result = await migrateWorkspaces(await migrationDeps(dl));
    expect(result.unreadable).toEqual([`${pk} ${sk}`]);
    expect((await partition(dl.table, pk)).filter((i) => MOVED.has(i._e as string)).map((i) => i.sk)).toEqual([sk]);
    const ws: Actor = { tenant: workspaceTenant(userId), memberId: userId, tier: 'pro', role: 'OWNER' };
    expect((await listAccounts({ repo: dl.repo }, ws)).map((a) => a.id)).toEqual([seeded.accounts[1]]);
    expect((await getJob(jobsDeps(dl), ws, seeded.active)).status).toBe('queued');
  });

  it('adds the user counter to a workspace counter that already exists', async () => {
    const userId = `u-${randomUUID()}`;
    const seeded = await seedOldData(dl, userId);
    // the new code already ran a job in the personal workspace
    const ws: Actor = { tenant: workspaceTenant(userId), memberId: userId, tier: 'pro', role: 'OWNER' };
    const deps = jobsDeps(dl);
    const fresh = await planAndWait(deps, deps.queue, ws, planInput);
    await applyAndWait(deps, deps.queue, ws, fresh.id, { force: true, mode: 'server' });
    const result = await migrateWorkspaces(await migrationDeps(dl));
    expect(result.conflicts).toEqual([]);
    const slots = (await partition(dl.table, tenantPk(ws.tenant))).find((i) => i._e === 'job-slots');
    expect(slots?.active).toBe(2);
    expect((await getJob(deps, ws, seeded.active)).status).toBe('queued');
  });
});
