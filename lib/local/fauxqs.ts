/**
 * fauxqs (SQS + S3 emulator, in-process) bound to 127.0.0.1.
 *
 * fauxqs is ESM-only and its package `exports` have no `require` condition, so
 * it is loaded with a real dynamic `import()` that the CommonJS transpilers
 * (tsx, swc) cannot rewrite into `require()`.
 *
 * Persistence choice: SQS messages live in memory only (job state is in
 * DynamoDB; the stuck-job sweeper re-enqueues lost chunks). S3 objects, when
 * `s3Dir` is given, are mirrored write-through to `<s3Dir>/<bucket>/<key>`
 * (+ `.meta.json`) and reloaded on start, so local backups survive restarts.
 * That needs fauxqs's store classes, which are imported from their files.
 *
 * fauxqs ignores the SSE headers. A bucket named in `requireSseKms(bucket, keyId)` refuses
 * (403 AccessDenied) any object write that does not ask for SSE-KMS with that key: the same
 * rule as the CDK sync bucket's policy (lib/sync-bucket.ts), so a local run cannot be kinder.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface FauxqsOptions {
  port?: number;
  region?: string;
  /** Directory for the S3 mirror; omitted → S3 objects are memory-only. */
  s3Dir?: string;
  rootDir?: string;
}

export interface LocalFauxqs {
  /** Endpoint for both SQS and S3. */
  readonly url: string;
  readonly port: number;
  /** From now on, writes to `bucket` must carry `x-amz-server-side-encryption: aws:kms` and this key id. */
  requireSseKms(bucket: string, keyId: string): void;
  stop(): Promise<void>;
}

// eslint-disable-next-line @typescript-eslint/no-implied-eval
const nativeImport = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<any>;

function fauxqsDir(rootDir = process.cwd()): string {
  let dir = resolve(rootDir);
  for (;;) {
    const candidate = join(dir, 'node_modules', 'fauxqs');
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    const parent = resolve(dir, '..');
    if (parent === dir) break;
    dir = parent;
  }
  const fallback = resolve(__dirname, '..', '..', 'node_modules', 'fauxqs');
  if (existsSync(fallback)) return fallback;
  throw new Error('flarevault: fauxqs not found in node_modules (run `npm install`)');
}

const enc = (key: string) => encodeURIComponent(key).replace(/\./g, '%2E');
const dec = (name: string) => decodeURIComponent(name);

interface S3StoreLike {
  buckets: Map<string, Map<string, { body: Buffer; contentType: string; metadata: Record<string, string> }>>;
  multipartUploads: Map<string, { bucket: string; key: string }>;
  createBucket(name: string): void;
  putObject(bucket: string, key: string, body: Buffer, contentType?: string, metadata?: Record<string, string>): unknown;
  deleteObject(bucket: string, key: string): void;
  completeMultipartUpload(uploadId: string, parts: unknown): unknown;
  deleteBucket(name: string): void;
  emptyBucket(name: string): void;
}

/** Wraps the store's mutating methods so every change is mirrored to disk; loads the mirror first. */
function mirrorS3(store: S3StoreLike, dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const bucket of readdirSync(dir)) {
    const bdir = join(dir, bucket);
    store.createBucket(bucket);
    for (const f of readdirSync(bdir)) {
      if (f.endsWith('.meta.json')) continue;
      let meta: { contentType?: string; metadata?: Record<string, string> } = {};
      try {
        meta = JSON.parse(readFileSync(join(bdir, `${f}.meta.json`), 'utf8'));
      } catch {
        /* body without meta: defaults */
      }
      store.putObject(bucket, dec(f), readFileSync(join(bdir, f)), meta.contentType, meta.metadata);
    }
  }
  const save = (bucket: string, key: string) => {
    const obj = store.buckets.get(bucket)?.get(key);
    if (!obj) return;
    const file = join(dir, bucket, enc(key));
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, obj.body);
    writeFileSync(`${file}.meta.json`, JSON.stringify({ contentType: obj.contentType, metadata: obj.metadata }));
  };
  const drop = (bucket: string, key: string) => {
    const file = join(dir, bucket, enc(key));
    rmSync(file, { force: true });
    rmSync(`${file}.meta.json`, { force: true });
  };
  const orig = {
    createBucket: store.createBucket.bind(store),
    putObject: store.putObject.bind(store),
    deleteObject: store.deleteObject.bind(store),
    completeMultipartUpload: store.completeMultipartUpload.bind(store),
    deleteBucket: store.deleteBucket.bind(store),
    emptyBucket: store.emptyBucket.bind(store),
  };
  store.createBucket = (name) => {
    orig.createBucket(name);
    mkdirSync(join(dir, name), { recursive: true });
  };
  store.putObject = (bucket, key, ...rest) => {
    const r = orig.putObject(bucket, key, ...rest);
    save(bucket, key);
    return r;
  };
  store.deleteObject = (bucket, key) => {
    orig.deleteObject(bucket, key);
    drop(bucket, key);
  };
  store.completeMultipartUpload = (uploadId, parts) => {
    const up = store.multipartUploads.get(uploadId);
    const r = orig.completeMultipartUpload(uploadId, parts);
    if (up) save(up.bucket, up.key);
    return r;
  };
  store.deleteBucket = (name) => {
    orig.deleteBucket(name);
    rmSync(join(dir, name), { recursive: true, force: true });
  };
  store.emptyBucket = (name) => {
    orig.emptyBucket(name);
    rmSync(join(dir, name), { recursive: true, force: true });
    mkdirSync(join(dir, name), { recursive: true });
  };
}

/**
 * A path-style S3 request that writes an object: PutObject / CopyObject (PUT /bucket/key, not a
 * part upload) or CreateMultipartUpload (POST /bucket/key?uploads). SQS requests are POSTs to `/`.
 */
function objectWriteOf(method: string, url: string): { bucket?: string; write: boolean } {
  const [path, query = ''] = url.split('?', 2);
  const m = /^\/([^/]+)\/.+/.exec(path);
  if (!m) return { write: false };
  const params = new URLSearchParams(query);
  const write = (method === 'PUT' && !params.has('uploadId') && !params.has('tagging') && !params.has('acl')) || (method === 'POST' && params.has('uploads'));
  return { bucket: decodeURIComponent(m[1]), write };
}

export async function startFauxqs(options: FauxqsOptions = {}): Promise<LocalFauxqs> {
  const root = fauxqsDir(options.rootDir);
  const mod = await nativeImport(pathToFileURL(join(root, 'dist', 'app.js')).href);
  let stores: Record<string, unknown> | undefined;
  if (options.s3Dir) {
    const [{ SqsStore }, { SnsStore }, { S3Store }] = await Promise.all(
      ['sqs/sqsStore.js', 'sns/snsStore.js', 's3/s3Store.js'].map((p) => nativeImport(pathToFileURL(join(root, 'dist', p)).href)),
    );
    const s3Store = new S3Store();
    mirrorS3(s3Store, options.s3Dir);
    stores = { sqsStore: new SqsStore(), snsStore: new SnsStore(), s3Store };
  }
  const app = mod.buildApp({ logger: false, defaultRegion: options.region ?? 'us-east-1', ...(stores ? { stores } : {}) });
  const sseKms = new Map<string, string>();
  app.addHook('onRequest', async (req: { method: string; url: string; headers: Record<string, string | undefined> }, reply: any) => {
    const { bucket, write } = objectWriteOf(req.method, req.url);
    const keyId = bucket ? sseKms.get(bucket) : undefined;
    if (!write || keyId === undefined) return;
    if (req.headers['x-amz-server-side-encryption'] === 'aws:kms' && req.headers['x-amz-server-side-encryption-aws-kms-key-id'] === keyId) return;
    reply
      .code(403)
      .header('content-type', 'application/xml')
      .send(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied: the bucket policy requires SSE-KMS with its key</Message></Error>`);
    return reply;
  });
  await app.listen({ host: '127.0.0.1', port: options.port ?? 0 });
  const port = (app.server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requireSseKms: (bucket, keyId) => void sseKms.set(bucket, keyId),
    stop: async () => {
      await app.close();
    },
  };
}
