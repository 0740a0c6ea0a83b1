import { loadEnv } from '../platform/env';
import { getHealth, getOpenApi } from '../contracts/system';
import { dynamoDb, kms, s3, sqs } from '../aws/clients';
import { bind, httpFunction } from '../http/handler';
import { checkHealth } from './health';
import { buildOpenApiDocument } from './openapi-document';

const env = loadEnv(['health']);
let openApi: unknown;

export const handler = httpFunction('system', [
  bind(getHealth, async () => {
    const report = await checkHealth({ env, dynamo: dynamoDb(), kms: kms(), s3: s3(), sqs: sqs() });
    return { status: report.status === 'ok' ? 200 : 503, body: report };
  }),
  bind(getOpenApi, async () => ({ body: (openApi ??= buildOpenApiDocument()), headers: { 'cache-control': 'public, max-age=300' } })),
]);
