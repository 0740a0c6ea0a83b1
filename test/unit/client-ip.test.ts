/**
 * Which client IP the handlers trust (per-IP limits, session and audit IPs):
 * the edge's viewer-IP header only on requests carrying the origin secret,
 * otherwise the connection's source address. Client-controlled forwarding
 * headers never count.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { clientIp } from '../../functions/http/origin';
import { ORIGIN_VERIFY_HEADER as ORIGIN_HEADER, VIEWER_IP_HEADER } from '../../functions/platform/names';

const SECRET = 'o'.repeat(64);
const EDGE_ADDRESS = '130.176.1.2';

const event = (headers: Record<string, string>): APIGatewayProxyEventV2 =>
  ({ headers, requestContext: { http: { sourceIp: EDGE_ADDRESS } } }) as unknown as APIGatewayProxyEventV2;

const SPOOFED = { 'x-forwarded-for': '6.6.6.6', 'x-real-ip': '6.6.6.7', forwarded: 'for=6.6.6.8' };

describe('clientIp', () => {
  test.each([
    ['IPv4', '198.51.100.10', '198.51.100.10'],
    ['IPv6', '2001:db8:85a3::8a2e:370:7334', '2001:db8:85a3::8a2e:370:7334'],
    ['IPv4-mapped IPv6', '::ffff:198.51.100.10', '198.51.100.10'],
    ['surrounding spaces', ' 203.0.113.7 ', '203.0.113.7'],
  ])('with a valid origin secret, trusts the edge header (%s)', (_kind, value, expected) => {
    expect(clientIp(event({ [ORIGIN_HEADER]: SECRET, [VIEWER_IP_HEADER]: value }), SECRET)).toBe(expected);
  });

  test('without the origin secret (a direct call), ignores the edge header and uses the source address', () => {
    expect(clientIp(event({ [VIEWER_IP_HEADER]: '198.51.100.10' }), SECRET)).toBe(EDGE_ADDRESS);
    expect(clientIp(event({ [ORIGIN_HEADER]: 'x'.repeat(64), [VIEWER_IP_HEADER]: '198.51.100.10' }), SECRET)).toBe(EDGE_ADDRESS);
  });

  test.each([
    ['empty', ''],
    ['not an address', 'localhost'],
    ['address with port', '198.51.100.10:46532'],
    ['two addresses', '198.51.100.10, 203.0.113.7'],
    ['bracketed IPv6', '[2001:db8::1]'],
    ['overlong', `1${'0'.repeat(500)}`],
    ['out-of-range IPv4', '256.1.1.1'],
  ])('a garbage edge header (%s) falls back to the source address', (_kind, value) => {
    expect(clientIp(event({ [ORIGIN_HEADER]: SECRET, [VIEWER_IP_HEADER]: value }), SECRET)).toBe(EDGE_ADDRESS);
  });

  test('X-Forwarded-For, X-Real-IP and Forwarded are ignored, with or without the origin secret', () => {
    expect(clientIp(event({ ...SPOOFED }), SECRET)).toBe(EDGE_ADDRESS);
    expect(clientIp(event({ [ORIGIN_HEADER]: SECRET, ...SPOOFED }), SECRET)).toBe(EDGE_ADDRESS);
    expect(clientIp(event({ [ORIGIN_HEADER]: SECRET, [VIEWER_IP_HEADER]: '198.51.100.10', ...SPOOFED }), SECRET)).toBe('198.51.100.10');
  });

  test('locally (no edge header; the gateway passes the socket address as sourceIp) it is the socket address', () => {
    const local = { headers: { [ORIGIN_HEADER]: SECRET }, requestContext: { http: { sourceIp: '127.0.0.1' } } } as unknown as APIGatewayProxyEventV2;
    expect(clientIp(local, SECRET)).toBe('127.0.0.1');
  });
});
