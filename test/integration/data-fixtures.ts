/**
 * Shared fixtures for the data-layer integration tests: SDK clients on the
 * emulators started by jest's global setup (AWS_ENDPOINT_URL_DYNAMODB/KMS,
 * TABLE_NAME, KMS_KEY_ID in process.env), fresh tenants, and raw-table helpers.
 */
import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { BatchWriteCommand, DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { kmsKeyWrapper, type KeyWrapper } from '../../functions/crypto/kms';
import { userTenant, workspaceTenant, type Tenant } from '../../functions/tenancy/tenant';
import { createDataLayer, type DataLayer } from '../../functions/data/from-env';
import { partitionItems, type TableRef } from '../../functions/aws/table';
import { tableDefinition } from '../../lib/local/table-schema';
import { DEFAULT_IDENTITY_CONFIG, type IdentityConfig, type IdentityDeps } from '../../functions/identity/deps';
import type { MailMessage } from '../../functions/mail/mailer';

function need(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run through jest (test/setup/global-setup.ts starts the emulators)`);
  return v;
}

let ddb: DynamoDBClient | undefined;
let doc: DynamoDBDocumentClient | undefined;
let kmsC: KMSClient | undefined;

export function rawDdb(): DynamoDBClient {
  need('AWS_ENDPOINT_URL_DYNAMODB');
  ddb ??= new DynamoDBClient({});
  return ddb;
}

export function docClient(): DynamoDBDocumentClient {
  doc ??= DynamoDBDocumentClient.from(rawDdb(), { marshallOptions: { removeUndefinedValues: true } });
  return doc;
}

export function mainTable(): TableRef {
  return { doc: docClient(), name: need('TABLE_NAME') };
}

export function wrapper(): KeyWrapper {
  need('AWS_ENDPOINT_URL_KMS');
  kmsC ??= new KMSClient({});
  return kmsKeyWrapper({ kms: kmsC, keyId: need('KMS_KEY_ID') });
}

/** A fresh data layer (cold caches) on the given table: one per simulated container. */
export function layer(table: TableRef = mainTable(), opts: { ttlMs?: number; maxEntries?: number; now?: () => number } = {}): DataLayer {
  return createDataLayer({ table, wrapper: wrapper(), ...opts });
}

export const freshUser = (): Tenant => userTenant(`u-${randomUUID()}`);
export const freshWorkspace = (): Tenant => workspaceTenant(`w-${randomUUID()}`);

/** Every item of the table, all pages (raw, as stored). */
export async function scanAll(table: TableRef): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await table.doc.send(new ScanCommand({ TableName: table.name, ExclusiveStartKey: start, ConsistentRead: true }));
    out.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
}

/** Every raw item in one partition. */
export async function partition(table: TableRef, pk: string): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for await (const item of partitionItems(table, pk)) out.push(item);
  return out;
}

/** A scratch table with the same key schema as the main one; dropped by `drop()`. */
export async function scratchTable(): Promise<TableRef & { drop(): Promise<void> }> {
  const name = `fv-scratch-${randomUUID().slice(0, 8)}`;
  await rawDdb().send(
    new CreateTableCommand(tableDefinition(name)),
  );
  return { doc: docClient(), name, drop: async () => void (await rawDdb().send(new DeleteTableCommand({ TableName: name }))) };
}

export async function putRaw(table: TableRef, items: Record<string, unknown>[]): Promise<void> {
  for (let i = 0; i < items.length; i += 25) {
    await table.doc.send(
      new BatchWriteCommand({ RequestItems: { [table.name]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }),
    );
  }
}

/**
 * Identity ports on the shared table, for calling identity domain functions
 * directly. `sent` receives every mail (default: dropped).
 */
export function identityDeps(opts: { now?: () => number; sent?: MailMessage[]; config?: Partial<IdentityConfig> } = {}): IdentityDeps {
  const dl = layer();
  return {
    repo: dl.repo,
    table: dl.table,
    blind: dl.blind,
    audit: dl.audit,
    mailer: { send: async (m) => void opts.sent?.push(m) },
    now: opts.now ?? Date.now,
    config: { ...DEFAULT_IDENTITY_CONFIG, publicUrl: 'http://127.0.0.1', ...opts.config },
  };
}

