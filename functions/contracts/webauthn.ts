/**
 * WebAuthn JSON shapes (as @simplewebauthn/browser sends them: RegistrationResponseJSON,
 * AuthenticationResponseJSON; https://www.w3.org/TR/webauthn-3/#dictdef-registrationresponsejson),
 * bounded so a body cannot be made huge; the library checks their content.
 */
import * as z from 'zod';

const B64url = (max: number) => z.string().min(1).max(max).regex(/^[A-Za-z0-9_-]+={0,2}$/, 'must be base64url');
const Extensions = z.record(z.string(), z.unknown());

export const PasskeyRegistration = z.object({
  id: B64url(1400),
  rawId: B64url(1400),
  type: z.literal('public-key'),
  response: z.object({
    clientDataJSON: B64url(4096),
    attestationObject: B64url(16384),
    authenticatorData: B64url(16384).optional(),
    transports: z.array(z.string().max(32)).max(10).optional(),
    publicKeyAlgorithm: z.number().int().optional(),
    publicKey: B64url(4096).optional(),
  }),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
  clientExtensionResults: Extensions,
});

export const PasskeyAssertion = z.object({
  id: B64url(1400),
  rawId: B64url(1400),
  type: z.literal('public-key'),
  response: z.object({
    clientDataJSON: B64url(4096),
    authenticatorData: B64url(16384),
    signature: B64url(2048),
    userHandle: B64url(128).optional(),
  }),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
  clientExtensionResults: Extensions,
});

/** Options for navigator.credentials.create/get (PublicKeyCredential{Creation,Request}OptionsJSON). */
export const PasskeyOptions = z.looseObject({ challenge: z.string() });
