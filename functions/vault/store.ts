/**
 * The vault's one query the repository does not offer: a subject's values
 * WITHOUT the sealed values (a projection), so listing keys reads names and
 * sizes only, never up to keys × value size bytes.
 *
 *   valueHeads(table, subject) -> VaultValueHead[]   // every page, consistent
 */
import { paginateQuery } from '@aws-sdk/lib-dynamodb';
import type { TableRef } from '../aws/table';
import { tenantPk } from '../tenancy/tenant';
import { VaultValueEntity, vaultValuePrefix, type VaultSubject, type VaultValueItem } from './entities';

export type VaultValueHead = Omit<VaultValueItem, 'sealedValue'> & { readonly sk: string; readonly version: number };

export async function valueHeads(table: TableRef, subject: VaultSubject): Promise<VaultValueHead[]> {
  const pages = paginateQuery(
    { client: table.doc },
    {
      TableName: table.name,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
      ExpressionAttributeValues: { ':pk': tenantPk(subject.tenant), ':p': vaultValuePrefix(subject) },
      ProjectionExpression: 'sk, #e, #v, sealedName, keyId, #b, createdAt, updatedAt',
      ExpressionAttributeNames: { '#e': '_e', '#v': 'version', '#b': 'bytes' },
      ConsistentRead: true,
    },
  );
  const heads: VaultValueHead[] = [];
  for await (const page of pages) {
    for (const raw of page.Items ?? []) {
      if (raw._e !== VaultValueEntity.name) continue;
      const { _e: _entity, ...head } = raw;
      heads.push(head as VaultValueHead);
    }
  }
  return heads;
}
