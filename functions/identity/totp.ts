/** TOTP (RFC 6238) via otpauth: SHA-1, 6 digits, 30 s, ±1 step; a used step cannot be replayed. */
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';

const ISSUER = 'flarevault';

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

function totp(secretBase32: string, label = 'account'): TOTP {
  return new TOTP({ issuer: ISSUER, label, algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secretBase32) });
}

export function otpauthUri(secretBase32: string, label: string): string {
  return totp(secretBase32, label).toString();
}

export function qrSvg(uri: string): Promise<string> {
  return QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 });
}

/**
 * Returns the time step the code matched, or undefined. `lastStep` is the
 * last step accepted for this user: a code for it or an earlier one is refused.
 */
export function checkTotp(secretBase32: string, code: string, nowMs: number, lastStep = -1): number | undefined {
  const delta = totp(secretBase32).validate({ token: code, timestamp: nowMs, window: 1 });
  if (delta === null) return undefined;
  const step = Math.floor(nowMs / 30_000) + delta;
  return step > lastStep ? step : undefined;
}
