/**
 * A software WebAuthn authenticator for HTTP tests: an ES256 key pair from node:crypto,
 * attestation "none" and assertions built byte for byte as WebAuthn §6.1 (authenticator
 * data), §6.5.4 ("none" attestation) and §7.2 (assertion signature over authData ‖
 * SHA-256(clientDataJSON)) define them, so the server's @simplewebauthn/server checks real
 * structures. Knobs make the bad cases: another origin, no user verification, a counter
 * that goes back, a clientData type or challenge of one's choosing.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';

const b64u = (b: Uint8Array | string) => Buffer.from(b).toString('base64url');
const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest();

const UP = 0x01;
const UV = 0x04;
const AT = 0x40;

export interface AssertOptions {
  origin: string;
  /** @default the authenticator's next counter */
  counter?: number;
  /** @default true */
  userVerified?: boolean;
  /** @default the options' challenge */
  challenge?: string;
}

export class SoftAuthenticator {
  readonly credentialId = randomBytes(32);
  private readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** The COSE public key as registered (base64url), for sentinel checks. */
  coseKey = '';
  counter = 0;
  userHandle: string | undefined;

  constructor() {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.privateKey = pair.privateKey;
    this.publicKey = pair.publicKey;
  }

  get id(): string {
    return b64u(this.credentialId);
  }

  /** navigator.credentials.create() for `options` (PublicKeyCredentialCreationOptionsJSON) at `origin`. */
  register(options: { challenge: string; rp: { id?: string }; user: { id: string } }, o: { origin: string; userVerified?: boolean; type?: string }) {
    const jwk = this.publicKey.export({ format: 'jwk' });
    const cose = isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 2], // kty: EC2
        [3, -7], // alg: ES256
        [-1, 1], // crv: P-256
        [-2, Buffer.from(jwk.x!, 'base64url')],
        [-3, Buffer.from(jwk.y!, 'base64url')],
      ]),
    );
    this.coseKey = b64u(cose);
    this.userHandle = options.user.id;
    const idLen = Buffer.alloc(2);
    idLen.writeUInt16BE(this.credentialId.length);
    const authData = Buffer.concat([
      sha256(options.rp.id!),
      Buffer.from([UP | AT | (o.userVerified === false ? 0 : UV)]),
      this.counterBytes(this.counter),
      Buffer.alloc(16), // AAGUID: none
      idLen,
      this.credentialId,
      Buffer.from(cose),
    ]);
    const clientDataJSON = JSON.stringify({ type: o.type ?? 'webauthn.create', challenge: options.challenge, origin: o.origin, crossOrigin: false });
    const attestationObject = isoCBOR.encode(
      new Map<string, string | Map<string, string> | Uint8Array>([
        ['fmt', 'none'],
        ['attStmt', new Map<string, string>()],
        ['authData', authData],
      ]),
    );
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key' as const,
      response: { clientDataJSON: b64u(clientDataJSON), attestationObject: b64u(attestationObject), transports: ['internal'] },
      clientExtensionResults: {},
    };
  }

  /** navigator.credentials.get() for `options` (PublicKeyCredentialRequestOptionsJSON). */
  assert(options: { challenge: string; rpId?: string }, o: AssertOptions) {
    const counter = o.counter ?? ++this.counter;
    const authData = Buffer.concat([sha256(options.rpId!), Buffer.from([UP | (o.userVerified === false ? 0 : UV)]), this.counterBytes(counter)]);
    const clientDataJSON = JSON.stringify({ type: 'webauthn.get', challenge: o.challenge ?? options.challenge, origin: o.origin, crossOrigin: false });
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), this.privateKey); // DER, as WebAuthn wants
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key' as const,
      response: {
        clientDataJSON: b64u(clientDataJSON),
        authenticatorData: b64u(authData),
        signature: b64u(signature),
        ...(this.userHandle ? { userHandle: this.userHandle } : {}),
      },
      clientExtensionResults: {},
    };
  }

  private counterBytes(n: number): Buffer {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  }
}
