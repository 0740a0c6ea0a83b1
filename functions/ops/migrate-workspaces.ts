/**
 * Migration (issue 12, item 10): data written before workspaces moves from each user's
 * partition into their personal workspace's (`T#user#<id>` → `T#workspace#<id>`, same id).
 *
 *   migrateWorkspaces({ table, keyring, repo, now }, { afterMove? }) -> Promise<MigrationResult>
 *
 * What moves (workspace-owned since issue 12): MOVED_ENTITIES — Cloudflare accounts (`CFACCT#`),
 * jobs (`JOB#`), their chunks (`JCHUNK#`), plan pages (`JPAGE#`), events (`JEVENT#`) and the
 * active-job counter (`JOBSLOTS#active`); the global active-job pointers (`ACTIVEJOB#all`) are
 * re-pointed to the workspace. What stays with the user: identity items (profile, sessions,
 * API keys…) and the user's audit chain — audit events are immutable and their hash covers
 * tenant and ciphertext, so moving one would break the chain; the Cloudflare-account events
 * written before the migration stay readable (and verifiable) in the user's own chain.
 *
 * Per item, one transaction: put the workspace copy (`attribute_not_exists`: an existing
 * workspace copy is never overwritten) + delete the user copy (conditional on its `version`)
 * [+ re-point the job's active pointer, conditional on it naming the user]. Encrypted attributes
 * are opened with the user's DEK and sealed with the workspace's (AAD binds the new tenant and
 * pk); `sk`, `version`, `ttl`, `_e` and plain attributes are kept, `gsi1pk` is re-prefixed.
 * So there is never a moment with two live copies, an interruption anywhere leaves each item
 * either moved or not, and a re-run (or a concurrent run) moves only what is left. The
 * active-job counter is added to the workspace's if the workspace already has one.
 * An item that does not decrypt under the user's keys is reported in `unreadable` and left.
 * Before a user's first item the personal workspace, its OWNER membership and the user's link
 * are made (`ensurePersonalWorkspace`, idempotent) with the user's tier.
 */
import { GetCommand, ScanCommand, TransactWriteCommand, UpdateCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed, isTransactionCanceled, partitionItems, type TableRef } from '../aws/table';
import { CloudflareAccountEntity } from '../cloudflare/entities';
import { DecryptionError, KeyNotFoundError } from '../crypto/errors';
import type { Keyring } from '../crypto/keyring';
import { openAttributes, sealAttributes, type AnyEntity } from '../data/entity';
import { UserEntity, USER_SK, type UserItem } from '../identity/entities';
import { ChunkEntity, EventEntity, JobEntity, PageEntity, RequestPageEntity, SlotsEntity, ZoneEntity } from '../jobs/model';
import { ACTIVE_PK } from '../jobs/store';
import { tenantKey, tenantPk, userTenant, workspaceTenant, type Tenant } from '../tenancy/tenant';
import type { StoreRepo } from '../workspaces/store';
import { ensurePersonalWorkspace } from '../workspaces/workspaces';

type TxItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** The user-partition entities that belong to the workspace since issue 12. */
export const MOVED_ENTITIES: readonly AnyEntity[] = [CloudflareAccountEntity, JobEntity, ZoneEntity, RequestPageEntity, ChunkEntity, PageEntity, EventEntity, SlotsEntity];

export interface MigrationDeps {
  readonly table: TableRef;
  readonly keyring: Pick<Keyring, 'get' | 'current'>;
  readonly repo: StoreRepo;
  readonly now: () => number;
}

export interface MigrationOptions {
  /** Test hook: called after each moved item (throw to simulate an interruption). */
  readonly afterMove?: (moved: number) => void | Promise<void>;
}

export interface MigrationResult {
  /** Users whose data was found in their user partition. */
  readonly users: number;
  readonly moved: number;
  /** Active-job pointers re-pointed outside an item move (left over by an earlier interruption). */
  readonly pointers: number;
  /** `pk sk` of items left in place because the workspace already holds a different item with that key. */
  readonly conflicts: string[];
  /** `pk sk` of items left in place because they do not decrypt (missing key, tampered): reported, never dropped. */
  readonly unreadable: string[];
}

const USER_PREFIX = 'T#user#';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function migrateWorkspaces(deps: MigrationDeps, opts: MigrationOptions = {}): Promise<MigrationResult> {
  const { table, keyring } = deps;
  const byName = new Map(MOVED_ENTITIES.map((e) => [e.name, e]));
  const ensured = new Set<string>();
  const conflicts: string[] = [];
  const unreadable: string[] = [];
  let moved = 0;

  async function ensureWorkspace(userId: string): Promise<void> {
    if (ensured.has(userId)) return;
    const user = await deps.repo.get<UserItem>(userTenant(userId), UserEntity, USER_SK, { consistent: true });
    await ensurePersonalWorkspace(deps, userId, user?.tier ?? 'free');
    ensured.add(userId);
  }

  const getRaw = async (pk: string, sk: string) =>
    (await table.doc.send(new GetCommand({ TableName: table.name, Key: { pk, sk }, ConsistentRead: true }))).Item;

  /** The workspace copy of a raw user item: re-sealed under the workspace, same sk/version/ttl. */
  async function workspaceCopy(raw: Record<string, unknown>, entity: AnyEntity, from: Tenant, to: Tenant): Promise<Record<string, unknown>> {
    const oldPk = tenantPk(from);
    const pk = tenantPk(to);
    const plain = await openAttributes(keyring, from, entity, raw);
    const item: Record<string, unknown> = { ...(await sealAttributes(keyring, to, entity, { pk, sk: raw.sk as string }, plain)), pk };
    if (typeof raw.gsi1pk === 'string' && raw.gsi1pk.startsWith(`${oldPk}#`)) item.gsi1pk = `${pk}${raw.gsi1pk.slice(oldPk.length)}`;
    return item;
  }

  /** The job's active pointer re-pointed to the workspace, when it still names the user. */
  async function pointerUpdate(from: Tenant, to: Tenant, jobId: string): Promise<TxItem | undefined> {
    const ptr = await getRaw(ACTIVE_PK, `${from.id}#${jobId}`);
    if (!ptr || ptr.tenant !== tenantKey(from)) return undefined;
    return {
      Update: {
        TableName: table.name,
        Key: { pk: ACTIVE_PK, sk: ptr.sk },
        UpdateExpression: 'SET #t = :new',
        ConditionExpression: '#t = :old',
        ExpressionAttributeNames: { '#t': 'tenant' },
        ExpressionAttributeValues: { ':new': tenantKey(to), ':old': tenantKey(from) },
      },
    };
  }

  /** Moves one item; false if it was gone (moved by a concurrent run) or left in place (conflict). */
  async function move(first: Record<string, unknown>, entity: AnyEntity): Promise<boolean> {
    const userId = (first.pk as string).slice(USER_PREFIX.length);
    const from = userTenant(userId);
    const to = workspaceTenant(userId);
    const sk = first.sk as string;
    let raw: Record<string, unknown> | undefined = first;
    let merge = false;
    for (let attempt = 0; attempt < 10; attempt++) {
      if (!raw) return false;
      const removeUserCopy: TxItem = {
        Delete: {
          TableName: table.name,
          Key: { pk: raw.pk, sk },
          ConditionExpression: '#version = :v',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':v': raw.version },
        },
      };
      const items: TxItem[] = [];
      if (merge) {
        // The workspace already counts active jobs: add the user's (the counter is a sum).
        items.push({
          Update: {
            TableName: table.name,
            Key: { pk: tenantPk(to), sk },
            UpdateExpression: 'ADD active :n, #version :one',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeNames: { '#version': 'version' },
            ExpressionAttributeValues: { ':n': Number(raw.active ?? 0), ':one': 1 },
          },
        });
      } else {
        let copy: Record<string, unknown>;
        try {
          copy = await workspaceCopy(raw, entity, from, to);
        } catch (err) {
          if (!(err instanceof DecryptionError || err instanceof KeyNotFoundError)) throw err;
          unreadable.push(`${raw.pk as string} ${sk}`);
          return false;
        }
        items.push({ Put: { TableName: table.name, Item: copy, ConditionExpression: 'attribute_not_exists(pk)' } });
      }
      items.push(removeUserCopy);
      if (entity === JobEntity) {
        const ptr = await pointerUpdate(from, to, sk.slice(JobEntity.skPrefix.length));
        if (ptr) items.push(ptr);
      }
      try {
        await table.doc.send(new TransactWriteCommand({ TransactItems: items }));
        return true;
      } catch (err) {
        if (!isTransactionCanceled(err)) throw err;
        const codes = (err.CancellationReasons ?? []).map((r) => r.Code);
        raw = await getRaw(raw.pk as string, sk); // gone: a concurrent run moved it
        if (!raw) return false;
        if (codes[0] === 'ConditionalCheckFailed' && codes[1] !== 'ConditionalCheckFailed' && !merge) {
          if (entity === SlotsEntity) {
            merge = true;
            continue;
          }
          conflicts.push(`${raw.pk as string} ${sk}`);
          return false;
        }
        await sleep(20 + Math.random() * 80); // a concurrent writer (or a transaction conflict): re-read, retry
      }
    }
    throw new Error(`migrate-workspaces: ${first.pk as string} ${sk} kept changing`);
  }

  // 1. Every workspace-owned item still in a user partition.
  const users = new Set<string>();
  const names = [...byName.keys()];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await table.doc.send(
      new ScanCommand({
        TableName: table.name,
        ConsistentRead: true,
        ExclusiveStartKey: start,
        FilterExpression: `begins_with(pk, :u) AND #e IN (${names.map((_, i) => `:e${i}`).join(', ')})`,
        ExpressionAttributeNames: { '#e': '_e' },
        ExpressionAttributeValues: { ':u': USER_PREFIX, ...Object.fromEntries(names.map((n, i) => [`:e${i}`, n])) },
      }),
    );
    for (const raw of page.Items ?? []) {
      const entity = byName.get(raw._e as string)!;
      const userId = (raw.pk as string).slice(USER_PREFIX.length);
      users.add(userId);
      await ensureWorkspace(userId);
      if (await move(raw, entity)) {
        moved++;
        await opts.afterMove?.(moved);
      }
    }
    start = page.LastEvaluatedKey;
  } while (start);

  // 2. Active pointers still naming a user whose job has already moved (none unless a job item
  // was moved by other means): re-point them.
  let pointers = 0;
  for await (const ptr of partitionItems(table, ACTIVE_PK)) {
    if (typeof ptr.tenant !== 'string' || !ptr.tenant.startsWith('user#')) continue;
    const userId = ptr.tenant.slice('user#'.length);
    const jobSk = `${JobEntity.skPrefix}${ptr.jobId as string}`;
    if (await getRaw(tenantPk(userTenant(userId)), jobSk)) continue; // job not moved (conflict): leave it
    try {
      await table.doc.send(
        new UpdateCommand({
          TableName: table.name,
          Key: { pk: ACTIVE_PK, sk: ptr.sk },
          UpdateExpression: 'SET #t = :new',
          ConditionExpression: '#t = :old',
          ExpressionAttributeNames: { '#t': 'tenant' },
          ExpressionAttributeValues: { ':new': tenantKey(workspaceTenant(userId)), ':old': ptr.tenant },
        }),
      );
      pointers++;
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err; // re-pointed or removed meanwhile
    }
  }

  return { users: users.size, moved, pointers, conflicts, unreadable };
}
