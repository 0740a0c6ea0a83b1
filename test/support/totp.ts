/** The TOTP code an authenticator app shows for `secret` (base32) at `ms`: flarevault's parameters (SHA-1, 6 digits, 30 s). */
import { Secret, TOTP } from 'otpauth';

export const totpAt = (secret: string, ms: number) =>
  new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate({ timestamp: ms });
