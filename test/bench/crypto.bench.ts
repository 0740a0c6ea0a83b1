/**
 * Crypto and data-layer costs, as ratios measured in one run:
 *  - fv1 field encrypt / decrypt, µs per field (64 B and 1 KiB values)
 *  - an encrypted item read (GetItem + decrypt, warm keyring) vs a raw GetItem
 *    of the same item: p50 and p99 ratios, interleaved to cancel drift.
 */
import { createSecretKey, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { openField, sealField, type FieldContext } from '../../functions/crypto/field';
import { kmsKeyWrapperFromEnv } from '../../functions/crypto/kms';
import { tenantPk, userTenant } from '../../functions/tenancy/tenant';
import { defineEntity } from '../../functions/data/entity';
import { createDataLayer } from '../../functions/data/from-env';
import { tableFromEnv } from '../../functions/aws/table';

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

function fieldBench(bytes: number): void {
  const dek = { version: 1, key: createSecretKey(randomBytes(32)) };
  const tenant = userTenant('bench');
  const ctx: FieldContext = { tenant, pk: tenantPk(tenant), sk: 'BENCH#1', attribute: 'value' };
  const value = randomBytes(bytes).toString('base64').slice(0, bytes);
  const n = 20_000;
  for (let i = 0; i < 2000; i++) openField(dek, ctx, sealField(dek, ctx, value)); // warm-up
  const sealed: string[] = new Array(n);
  let t = performance.now();
  for (let i = 0; i < n; i++) sealed[i] = sealField(dek, ctx, value);
  const enc = ((performance.now() - t) * 1000) / n;
  t = performance.now();
  for (let i = 0; i < n; i++) openField(dek, ctx, sealed[i]!);
  const dec = ((performance.now() - t) * 1000) / n;
  console.log(`field ${String(bytes).padStart(5)} B   encrypt ${enc.toFixed(2)} µs/field   decrypt ${dec.toFixed(2)} µs/field`);
}

export async function run(): Promise<void> {
  fieldBench(64);
  fieldBench(1024);

  const table = tableFromEnv();
  const dl = createDataLayer({ table, wrapper: kmsKeyWrapperFromEnv() });
  const Item = defineEntity<{ label: string; a: string; b: string; c: unknown }>({ name: 'bench-item', skPrefix: 'BENCH#', encrypted: ['a', 'b', 'c'] });
  const tenant = userTenant(`bench-${randomBytes(4).toString('hex')}`);
  await dl.repo.create(tenant, Item, 'BENCH#1', {
    label: 'plain',
    a: randomBytes(48).toString('base64'),
    b: randomBytes(200).toString('base64'),
    c: { list: [1, 2, 3], text: randomBytes(100).toString('hex') },
  });
  const key = { pk: tenantPk(tenant), sk: 'BENCH#1' };
  const raw = () => table.doc.send(new GetCommand({ TableName: table.name, Key: key, ConsistentRead: true }));
  const enc = () => dl.repo.get(tenant, Item, 'BENCH#1');
  for (let i = 0; i < 100; i++) {
    await raw();
    await enc();
  }
  const kmsBefore = dl.keyring.stats().kmsCalls;
  const n = 1000;
  const tRaw: number[] = [];
  const tEnc: number[] = [];
  for (let i = 0; i < n; i++) {
    const first = i % 2 === 0;
    for (const which of first ? ['raw', 'enc'] : ['enc', 'raw']) {
      const t = performance.now();
      await (which === 'raw' ? raw() : enc());
      (which === 'raw' ? tRaw : tEnc).push(performance.now() - t);
    }
  }
  const [r50, r99, e50, e99] = [pct(tRaw, 50), pct(tRaw, 99), pct(tEnc, 50), pct(tEnc, 99)];
  console.log(`item read (3 encrypted attrs), ${n} interleaved reads each, DynamoDB Local:`);
  console.log(`  raw GetItem            p50 ${r50.toFixed(2)} ms   p99 ${r99.toFixed(2)} ms`);
  console.log(`  GetItem + decrypt      p50 ${e50.toFixed(2)} ms   p99 ${e99.toFixed(2)} ms`);
  console.log(`  ratio encrypted/raw    p50 ${(e50 / r50).toFixed(3)}   p99 ${(e99 / r99).toFixed(3)}`);
  console.log(`  KMS calls during the measured reads: ${dl.keyring.stats().kmsCalls - kmsBefore}`);
}
