/** The one UpdateItem of the rate-limit items (limiter.ts, purge-limiter.ts): tags the item's entity, tolerates a failed condition. */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { TableRef } from '../aws/table';
import { isConditionalCheckFailed } from '../aws/table';

/**
 * Apply `expr` (a SET clause, or an ADD clause) to the item, with `cond` when given. The new
 * attributes, or undefined when the condition failed. `#l` names the attribute `limit` (reserved).
 */
export async function updateRateItem(
  table: TableRef,
  Key: { pk: string; sk: string },
  entity: string,
  expr: string,
  cond: string | undefined,
  values: Record<string, unknown>,
): Promise<Record<string, unknown> | undefined> {
  try {
    const out = await table.doc.send(
      new UpdateCommand({
        TableName: table.name,
        Key,
        UpdateExpression: expr.startsWith('ADD') ? `SET #e = :e ${expr}` : `${expr}, #e = :e`,
        ...(cond ? { ConditionExpression: cond } : {}),
        ExpressionAttributeNames: { '#e': '_e', ...(expr.includes('#l') ? { '#l': 'limit' } : {}) },
        ExpressionAttributeValues: { ...values, ':e': entity },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return out.Attributes ?? {};
  } catch (err) {
    if (isConditionalCheckFailed(err)) return undefined;
    throw err;
  }
}
