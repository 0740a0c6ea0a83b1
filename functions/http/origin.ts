import { timingSafeEqual } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { DomainError } from '../errors';

export const ORIGIN_HEADER = 'x-origin-verify';

/** CloudFront adds the secret header; a request without it bypassed the edge (WAF, headers) and is refused. */
export function verifyOrigin(event: APIGatewayProxyEventV2, secret: string): void {
  const given = Buffer.from(event.headers?.[ORIGIN_HEADER] ?? '');
  const expected = Buffer.from(secret);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new DomainError('forbidden', 'Requests must come through the flarevault edge', { code: 'edge-required' });
  }
}
