import { timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { DomainError } from '../errors';
import { ORIGIN_VERIFY_HEADER, VIEWER_IP_HEADER } from '../platform/names';

function hasOriginSecret(event: APIGatewayProxyEventV2, secret: string): boolean {
  const given = Buffer.from(event.headers?.[ORIGIN_VERIFY_HEADER] ?? '');
  const expected = Buffer.from(secret);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** CloudFront adds the secret header; a request without it bypassed the edge (WAF, headers) and is refused. */
export function verifyOrigin(event: APIGatewayProxyEventV2, secret: string): void {
  if (!hasOriginSecret(event, secret)) {
    throw new DomainError('forbidden', 'Requests must come through the flarevault edge', { code: 'edge-required' });
  }
}

/**
 * The client's IP, for per-IP limits and session/audit records. Behind CloudFront the
 * connection's source is the edge, so the edge's viewer-IP header is used — only when the
 * origin secret proves the request came through the edge. Otherwise (locally: the socket
 * address; a header that is not one IP) the source address. X-Forwarded-For, X-Real-IP and
 * Forwarded are set by clients and never read.
 */
export function clientIp(event: APIGatewayProxyEventV2, originSecret: string): string {
  const source = event.requestContext?.http?.sourceIp ?? '0.0.0.0';
  if (!hasOriginSecret(event, originSecret)) return source;
  const viewer = (event.headers?.[VIEWER_IP_HEADER] ?? '').trim();
  if (viewer.length > 45 || isIP(viewer) === 0) return source;
  return viewer.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
}
