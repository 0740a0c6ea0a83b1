/**
 * Jest global setup: starts the local stack ONCE per run (in-memory DynamoDB,
 * ephemeral ports, schedules off, pollers on) in a child process and puts
 * everything tests need into process.env before the test workers are
 * spawned, so every worker inherits it:
 *
 *   FLAREVAULT_URL               gateway URL (CloudFront + HTTP API)
 *   FLAREVAULT_DYNAMODB_PID      pid of the DynamoDB Local JVM
 *   FLAREVAULT_STACK_PID         pid of the stack process
 *   FLAREVAULT_DLQ_URL_FREE|BASE|PRO
 *   + the handler env (STAGE, AWS_REGION, TABLE_NAME, KMS_KEY_ID, JOB_QUEUE_URL_*,
 *     BACKUP_BUCKET, MAIL_*, ORIGIN_VERIFY_SECRET, CORS_ALLOWED_ORIGINS, PUBLIC_URL)
 *   + AWS_ENDPOINT_URL_DYNAMODB|SQS|S3|KMS, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY
 *
 * Set FLAREVAULT_TEST_VISIBILITY_TIMEOUT to shorten the job queues' visibility.
 * The stack's own log goes to test-artifacts/local-stack.log.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');
export const STACK_LOG = join(ROOT, 'test-artifacts', 'local-stack.log');

interface Ready {
  url: string;
  env: Record<string, string>;
  dlqUrls: Record<string, string>;
  dynamodbPid: number;
  pid: number;
}

declare global {
  // eslint-disable-next-line no-var
  var __FLAREVAULT_STACK__: ChildProcess | undefined;
}

export default async function globalSetup(): Promise<void> {
  const t0 = Date.now();
  mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
  const log = createWriteStream(STACK_LOG);
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'stack-process.ts')], {
    cwd: ROOT,
    // stdin stays open: when this (jest) process dies, the pipe closes and the stack stops itself.
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
  });
  child.stderr!.pipe(log);
  globalThis.__FLAREVAULT_STACK__ = child;

  const ready = await new Promise<Ready>((res, rej) => {
    let buf = '';
    const timer = setTimeout(() => rej(new Error(`local stack not ready after 60 s (see ${STACK_LOG})`)), 60_000);
    child.stdout!.on('data', (c: Buffer) => {
      buf += c.toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\n')) !== -1) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.startsWith('FLAREVAULT_STACK_READY ')) {
          clearTimeout(timer);
          res(JSON.parse(line.slice('FLAREVAULT_STACK_READY '.length)));
        } else if (line.startsWith('FLAREVAULT_STACK_FAILED ')) {
          clearTimeout(timer);
          rej(new Error(`local stack failed to start: ${JSON.parse(line.slice('FLAREVAULT_STACK_FAILED '.length))} (see ${STACK_LOG})`));
        } else log.write(`${line}\n`);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`local stack exited (code ${code}) before it was ready (see ${STACK_LOG})`));
    });
  });
  child.stdout!.on('data', (c: Buffer) => log.write(c));
  child.removeAllListeners('exit');

  Object.assign(process.env, ready.env, {
    FLAREVAULT_URL: ready.url,
    FLAREVAULT_DYNAMODB_PID: String(ready.dynamodbPid),
    FLAREVAULT_STACK_PID: String(ready.pid),
    FLAREVAULT_DLQ_URL_FREE: ready.dlqUrls.free,
    FLAREVAULT_DLQ_URL_BASE: ready.dlqUrls.base,
    FLAREVAULT_DLQ_URL_PRO: ready.dlqUrls.pro,
    FLAREVAULT_STACK_STARTUP_MS: String(Date.now() - t0),
  });
  if (process.env.FLAREVAULT_DEBUG_SETUP) console.log(`\nlocal stack ready at ${ready.url} in ${Date.now() - t0} ms`);
}
