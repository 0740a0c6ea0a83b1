/**
 * Every tier's largest sync item fits Lambda's synchronous payload (6 MB, request and response
 * each: functions/platform/tiers.ts LAMBDA_SYNC_PAYLOAD_BYTES) once it travels as the client's
 * base64 inside the JSON body inside the API Gateway event, or back inside the JSON response.
 */
import { LAMBDA_SYNC_PAYLOAD_BYTES, TIER_LIMITS, TIERS } from '../../functions/platform/tiers';

/** Headers a request may carry (API Gateway allows 10 KB of headers): the budget counts them all. */
const HEADER_BUDGET = 10 * 1024;

/** An HTTP API (payload 2.0) event of a snapshot PUT carrying `bytes` of client ciphertext. */
function putEventBytes(bytes: number): number {
  const blob = 'A'.repeat(Math.ceil(bytes / 3) * 4);
  const event = {
    version: '2.0',
    routeKey: 'PUT /api/v1/sync/data/{type}/{id}',
    rawPath: `/api/v1/sync/data/environment/${'i'.repeat(128)}`,
    rawQueryString: '',
    headers: { padding: 'h'.repeat(HEADER_BUDGET) },
    requestContext: { accountId: '123456789012', apiId: 'abcdefghij', domainName: 'x'.repeat(253), http: { method: 'PUT', path: '/api', protocol: 'HTTP/1.1', sourceIp: '203.0.113.1', userAgent: 'u'.repeat(512) }, requestId: 'r'.repeat(36), routeKey: 'PUT', stage: '$default', time: '', timeEpoch: 0 },
    pathParameters: { type: 'environment', id: 'i'.repeat(128) },
    body: JSON.stringify({ blob, force: true }),
    isBase64Encoded: false,
  };
  return Buffer.byteLength(JSON.stringify(event));
}

/** The GET of a snapshot head carrying `bytes`, as the function returns it to API Gateway. */
function headResponseBytes(bytes: number): number {
  const head = { id: 'i'.repeat(128), version: Number.MAX_SAFE_INTEGER, blob: 'A'.repeat(Math.ceil(bytes / 3) * 4), bytes, updatedAt: new Date().toISOString(), updatedBy: 'd'.repeat(64), forcedOver: Number.MAX_SAFE_INTEGER };
  return Buffer.byteLength(JSON.stringify({ statusCode: 200, headers: { padding: 'h'.repeat(HEADER_BUDGET) }, body: JSON.stringify(head), isBase64Encoded: false }));
}

describe('sync item sizes fit the Lambda payload', () => {
  it.each(TIERS)('%s: a PUT of the largest item and the GET of it stay under 6 MB', (tier) => {
    const { syncItemBytes } = TIER_LIMITS[tier];
    expect(putEventBytes(syncItemBytes)).toBeLessThanOrEqual(LAMBDA_SYNC_PAYLOAD_BYTES);
    expect(headResponseBytes(syncItemBytes)).toBeLessThanOrEqual(LAMBDA_SYNC_PAYLOAD_BYTES);
  });

  it('the measure can fail: 5 MiB (the former pro limit) does not fit', () => {
    expect(putEventBytes(5 * 1024 * 1024)).toBeGreaterThan(LAMBDA_SYNC_PAYLOAD_BYTES);
  });

  it('every tier allows its largest item at least once in its total', () => {
    for (const tier of TIERS) expect(TIER_LIMITS[tier].syncTotalBytes).toBeGreaterThan(TIER_LIMITS[tier].syncItemBytes);
  });
});
