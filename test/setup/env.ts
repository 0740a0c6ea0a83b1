/** Helpers for tests that use the local stack started by global-setup.ts. */

function need(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: is jest's globalSetup (test/setup/global-setup.ts) configured?`);
  return v;
}

/** Gateway base URL (CloudFront + HTTP API), e.g. http://127.0.0.1:41234 */
export function baseUrl(): string {
  return need('FLAREVAULT_URL');
}

/** Absolute URL of an API path: apiUrl('/api/health') or apiUrl('v1/jobs'). */
export function apiUrl(path = ''): string {
  const p = path.startsWith('/api/') || path === '/api' ? path : `/api/${path.replace(/^\/+/, '')}`;
  return `${baseUrl()}${p}`;
}

/** The emulator endpoints and handler env of the running local stack. */
export function localStackEnv() {
  return {
    region: need('AWS_REGION'),
    tableName: need('TABLE_NAME'),
    kmsKeyId: need('KMS_KEY_ID'),
    backupBucket: need('BACKUP_BUCKET'),
    originVerifySecret: need('ORIGIN_VERIFY_SECRET'),
    queueUrls: { free: need('JOB_QUEUE_URL_FREE'), base: need('JOB_QUEUE_URL_BASE'), pro: need('JOB_QUEUE_URL_PRO') },
    dlqUrls: { free: need('FLAREVAULT_DLQ_URL_FREE'), base: need('FLAREVAULT_DLQ_URL_BASE'), pro: need('FLAREVAULT_DLQ_URL_PRO') },
    endpoints: {
      dynamodb: need('AWS_ENDPOINT_URL_DYNAMODB'),
      sqs: need('AWS_ENDPOINT_URL_SQS'),
      s3: need('AWS_ENDPOINT_URL_S3'),
      kms: need('AWS_ENDPOINT_URL_KMS'),
    },
    dynamodbPid: Number(need('FLAREVAULT_DYNAMODB_PID')),
  };
}

/** Credentials/region config for SDK clients in tests (endpoints come from AWS_ENDPOINT_URL_*). */
export function awsClientConfig() {
  return { region: need('AWS_REGION'), credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
}
