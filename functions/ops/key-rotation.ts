/**
 * DEK rotation (audited) and the re-encryption pass.
 *
 *   rotateTenantKey({ keyring, audit }, tenant, { actor, requestId?, ip?, userAgent?, retentionDays }) -> Promise<number>
 *       new DEK version + audit event `crypto.dek.rotated` { version }.
 *   reencryptTenant({ table, keyring }, tenant, entities) -> Promise<ReencryptResult>
 *       Query the tenant's whole partition (every tenant item lives under pk T#<tenant>, GSI
 *       entries are projections of those items), reseal every encrypted attribute of a known
 *       entity that is not on the newest DEK version. Writes are conditional on the item's
 *       `version` (unchanged: re-encryption is invisible to optimistic concurrency); an item
 *       changed meanwhile is re-read and retried. Key records, audit events (immutable, hash
 *       covers ciphertext) and the audit head are skipped. Items whose `_e` is not among
 *       `entities` are reported in `unknownEntities` (pass every entity: see data/registry).
 */
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Audit } from '../audit/audit';
import type { AnyEntity } from '../data/entity';
import { isConditionalCheckFailed, partitionItems, type TableRef } from '../aws/table';
import { openField, sealField, sealedVersion, type DataKey } from '../crypto/field';
import type { Keyring } from '../crypto/keyring';
import { tenantPk, type Tenant } from '../tenancy/tenant';

export async function rotateTenantKey(
  deps: { keyring: Keyring; audit: Pick<Audit, 'record'> },
  tenant: Tenant,
  ctx: { actor: string; requestId?: string; ip?: string; userAgent?: string; retentionDays: number },
): Promise<number> {
  const version = await deps.keyring.rotate(tenant);
  await deps.audit.record(
    tenant,
    { type: 'crypto.dek.rotated', actor: ctx.actor, requestId: ctx.requestId, ip: ctx.ip, userAgent: ctx.userAgent, metadata: { version } },
    { retentionDays: ctx.retentionDays },
  );
  return version;
}

export interface ReencryptResult {
  readonly scanned: number;
  readonly rewrittenItems: number;
  readonly rewrittenFields: number;
  readonly toVersion: number;
  readonly unknownEntities: string[];
}

const SKIP = new Set(['dek', 'audit', 'audit-head']);

export async function reencryptTenant(
  deps: { table: TableRef; keyring: Keyring },
  tenant: Tenant,
  entities: readonly AnyEntity[],
): Promise<ReencryptResult> {
  const { table, keyring } = deps;
  const byName = new Map(entities.map((e) => [e.name, e]));
  const pk = tenantPk(tenant);
  const target = await keyring.current(tenant);
  const unknown = new Set<string>();
  let scanned = 0;
  let items = 0;
  let fields = 0;

  async function rewrite(raw: Record<string, unknown>, entity: AnyEntity, newest: DataKey): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const sk = raw.sk as string;
      const stale = entity.encrypted.filter((a) => typeof raw[a] === 'string' && sealedVersion(raw[a] as string) !== newest.version);
      if (stale.length === 0) return;
      const values: Record<string, unknown> = { ':v': raw.version };
      const names: Record<string, string> = { '#version': 'version' };
      const sets: string[] = [];
      for (const [i, a] of stale.entries()) {
        const ctx = { tenant, pk, sk, attribute: a };
        const old = await keyring.get(tenant, sealedVersion(raw[a] as string));
        values[`:a${i}`] = sealField(newest, ctx, openField(old, ctx, raw[a] as string));
        names[`#a${i}`] = a;
        sets.push(`#a${i} = :a${i}`);
      }
      try {
        await table.doc.send(
          new UpdateCommand({
            TableName: table.name,
            Key: { pk, sk },
            UpdateExpression: `SET ${sets.join(', ')}`,
            ConditionExpression: '#version = :v',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          }),
        );
        items++;
        fields += stale.length;
        return;
      } catch (err) {
        if (!isConditionalCheckFailed(err)) throw err;
        const again = await table.doc.send(new GetCommand({ TableName: table.name, Key: { pk, sk }, ConsistentRead: true }));
        if (!again.Item) return; // deleted meanwhile
        raw = again.Item;
      }
    }
    throw new Error('re-encryption: item kept changing');
  }

  for await (const raw of partitionItems(table, pk)) {
    scanned++;
    const name = raw._e as string;
    if (SKIP.has(name)) continue;
    const entity = byName.get(name);
    if (!entity) {
      unknown.add(String(name));
      continue;
    }
    await rewrite(raw, entity, target);
  }

  return { scanned, rewrittenItems: items, rewrittenFields: fields, toVersion: target.version, unknownEntities: [...unknown] };
}
