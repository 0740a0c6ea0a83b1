/**
 * Optimistic concurrency over HTTP: the ETag this API issues is `"<version>"` (a strong
 * validator, RFC 9110 §8.8.3), and a write names the version it replaces in `If-Match`.
 *
 *   ifMatchOf(event) -> version | undefined     (400 with field detail on anything else)
 *   etagOf(version)  -> '"<version>"'
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { DomainError } from '../errors';

export function ifMatchOf(event: APIGatewayProxyEventV2): number | undefined {
  const raw = event.headers?.['if-match'];
  if (raw === undefined) return undefined;
  const m = /^\s*"([1-9][0-9]{0,14})"\s*$/.exec(raw);
  if (!m) {
    throw new DomainError('invalid', 'If-Match must be an ETag this API issued, e.g. "3"', {
      fields: [{ in: 'header', field: 'if-match', message: 'must be a quoted version number such as "3"' }],
    });
  }
  return Number(m[1]);
}

export const etagOf = (version: number): string => `"${version}"`;
