/**
 * The audit API: listing a page costs the same DynamoDB reads whatever the
 * chain's length (verification is its own route), and the verify route
 * reports an intact chain and where a tampered one breaks.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { auditSk } from '../../functions/audit/audit';
import { listAuditEvents } from '../../functions/contracts/identity';
import { tenantPk, userTenant } from '../../functions/tenancy/tenant';
import { layer, mainTable } from './data-fixtures';
import { inProcessFunction } from './in-process';
import { call, signUpWithToken } from '../support/http';

const READ_COMMAND = /^(Get|GetItem|Query|Scan|BatchGet|BatchGetItem|TransactGet|TransactGetItems)Command$/;

/** Sums the read capacity DynamoDB reports for every read the client sends. */
function readCapacityMeter(client: DynamoDBClient): { units(): number } {
  let units = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const isRead = READ_COMMAND.test(context.commandName ?? '');
      if (isRead) (args.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = 'TOTAL';
      const out = await next(args);
      if (isRead) {
        const consumed = (out.output as { ConsumedCapacity?: { CapacityUnits?: number } | { CapacityUnits?: number }[] }).ConsumedCapacity;
        for (const c of [consumed ?? []].flat()) units += c.CapacityUnits ?? 0;
      }
      return out;
    },
    { step: 'initialize', name: 'readCapacityMeter' },
  );
  return { units: () => units };
}

async function seedAudit(userId: string, n: number) {
  const audit = layer().audit;
  for (let i = 0; i < n; i++) await audit.record(userTenant(userId), { type: 'test.filler', actor: 'system', metadata: { i } }, { retentionDays: 30 });
}

describe('audit API', () => {
  it('listing a page reads the same whatever the chain length', async () => {
    const short = await signUpWithToken();
    const long = await signUpWithToken();
    await seedAudit(short.userId, 5);
    await seedAudit(long.userId, 200);

    const fn = await inProcessFunction('auth');
    const meter = readCapacityMeter(fn.clients.dynamoDb());
    const readsFor = async (token: string) => {
      const before = meter.units();
      const res = await fn.invoke(listAuditEvents, { token, query: 'limit=5' });
      expect(res.statusCode).toBe(200);
      expect(JSON.parse(res.body!).events).toHaveLength(5);
      return meter.units() - before;
    };
    // Warm the container (session, DEK, blind index caches) for both users, then measure.
    await readsFor(short.token);
    await readsFor(long.token);
    const shortReads = await readsFor(short.token);
    const longReads = await readsFor(long.token);
    expect(shortReads).toBeGreaterThan(0);
    expect(longReads).toBeLessThanOrEqual(shortReads + 1);
  }, 60_000);

  it('the verify route reports an intact chain, then where a tampered one breaks', async () => {
    // Sign-up, its session and the email verification are events 1-3.
    const user = await signUpWithToken();
    await seedAudit(user.userId, 4);
    const ok = await call('GET', '/api/v1/audit-events/verify', { token: user.token });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ valid: true, count: 7, firstSeq: 1, lastSeq: 7, brokenAtSeq: null });

    const t = mainTable();
    await t.doc.send(
      new UpdateCommand({
        TableName: t.name,
        Key: { pk: tenantPk(userTenant(user.userId)), sk: auditSk(3) },
        UpdateExpression: 'SET actor = :a',
        ExpressionAttributeValues: { ':a': 'user#someone-else' },
      }),
    );
    const broken = await call('GET', '/api/v1/audit-events/verify', { token: user.token });
    expect(broken.status).toBe(200);
    expect(broken.body).toMatchObject({ valid: false, brokenAtSeq: 3, reason: expect.any(String) });
  });
});
