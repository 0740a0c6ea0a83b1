/**
 * Passwords: Argon2id with OWASP's parameters (m=19 MiB, t=2, p=1, 16-byte
 * salt, 32-byte hash) in the PHC string format, via hash-wasm (WebAssembly:
 * no native binary to match Lambda's arm64, ~100 ms per hash here). Strength
 * is judged offline by zxcvbn-ts (common passwords, dictionary words,
 * keyboard patterns, the user's email).
 */
import { randomBytes } from 'node:crypto';
import { argon2id, argon2Verify } from 'hash-wasm';
import { DomainError } from '../errors';

const PARAMS = { memorySize: 19456, iterations: 2, parallelism: 1, hashLength: 32 } as const;
export const MIN_PASSWORD_LENGTH = 12;
/** zxcvbn's time grows faster than the length (~60 ms at 128 characters, seconds at 1,024); the contract has the same bound. */
export const MAX_PASSWORD_LENGTH = 128;
/** zxcvbn score 0..4; 3 = "safely unguessable: moderate protection from offline slow-hash scenario". */
const MIN_SCORE = 3;

type Zxcvbn = typeof import('@zxcvbn-ts/core').zxcvbn;
let strength: Promise<Zxcvbn> | undefined;
/**
 * zxcvbn and its dictionaries (~500 KB of word lists) load on the first check, once per
 * container: the functions that never judge a password (login included) do not pay for them
 * at cold start.
 */
function loadStrength(): Promise<Zxcvbn> {
  strength ??= (async () => {
    const [{ zxcvbn, zxcvbnOptions }, common] = await Promise.all([import('@zxcvbn-ts/core'), import('@zxcvbn-ts/language-common')]);
    zxcvbnOptions.setOptions({ dictionary: { ...common.dictionary }, graphs: common.adjacencyGraphs });
    return zxcvbn;
  })();
  strength.catch(() => (strength = undefined)); // a failed load is retried by the next check
  return strength;
}

export function hashPassword(password: string): Promise<string> {
  return argon2id({ ...PARAMS, password, salt: randomBytes(16), outputType: 'encoded' });
}

export type PasswordVerifier = (stored: string, password: string) => Promise<boolean>;

export const verifyPassword: PasswordVerifier = async (stored, password) => {
  if (!stored.startsWith('$argon2id$')) return false;
  try {
    return await argon2Verify({ password, hash: stored });
  } catch {
    return false;
  }
};

let dummy: Promise<string> | undefined;
/** Burn the same Argon2 time for an unknown email, so timing does not reveal which emails exist. */
export async function verifyAgainstDummy(password: string, verify: PasswordVerifier = verifyPassword): Promise<false> {
  dummy ??= hashPassword('flarevault-dummy-password-for-timing');
  await verify(await dummy, password);
  return false;
}

export async function assertStrongPassword(password: string, userInputs: readonly string[], field = 'password'): Promise<void> {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new DomainError('invalid', 'The password is too short', {
      code: 'weak-password',
      fields: [{ in: 'body', field, message: `must be at least ${MIN_PASSWORD_LENGTH} characters`, code: 'too_short' }],
    });
  }
  if (password.length > MAX_PASSWORD_LENGTH) {
    throw new DomainError('invalid', 'The password is too long', {
      code: 'weak-password',
      fields: [{ in: 'body', field, message: `must be at most ${MAX_PASSWORD_LENGTH} characters`, code: 'too_big' }],
    });
  }
  const zxcvbn = await loadStrength();
  const result = zxcvbn(password, [...userInputs]);
  if (result.score < MIN_SCORE) {
    const hint = result.feedback.warning || result.feedback.suggestions[0] || 'Add more words or characters that are hard to guess.';
    throw new DomainError('invalid', 'The password is too easy to guess', {
      code: 'weak-password',
      fields: [{ in: 'body', field, message: `too easy to guess: ${hint}`, code: 'weak' }],
    });
  }
}
