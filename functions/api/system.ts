import { loadEnv } from '../platform/env';
import { getHealth, getOpenApi, PUBLIC_HEALTH_MAX_AGE_SECONDS } from '../contracts/system';
import { dynamoDb } from '../aws/client-dynamodb';
import { bind, httpFunction } from '../http/handler';
import { shallowHealth } from './health';
import { buildOpenApiDocument } from './openapi-document';

const env = loadEnv(['health']);
const health = shallowHealth({ env, dynamo: dynamoDb() });
let openApi: unknown;

export const handler = httpFunction('system', [
  bind(getHealth, async () => {
    const report = await health();
    // Degraded answers are cached too: a failing dependency is when load must not be amplified.
    const headers = { 'cache-control': `public, max-age=${PUBLIC_HEALTH_MAX_AGE_SECONDS}` };
    return { status: report.status === 'ok' ? 200 : 503, body: report, headers };
  }),
  bind(getOpenApi, async () => ({ body: (openApi ??= buildOpenApiDocument()), headers: { 'cache-control': 'public, max-age=300' } })),
]);
