/**
 * WebAuthn challenges: one global item per challenge, keyed by the SHA-256 of the challenge
 * (`WEBAUTHN#<hash>` / `CHALLENGE`), holding what it was issued for (purpose, and the user for
 * registration and second-factor challenges) and its expiry. A response is checked only after
 * its challenge was claimed: a conditional delete that only one caller can win, so a challenge
 * (and the response signed over it) is used at most once. DynamoDB's TTL removes unclaimed ones.
 */
import { createHash, randomBytes } from 'node:crypto';
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { unlessConditionFailed } from '../aws/table';
import type { IdentityDeps } from './deps';

export type ChallengePurpose = 'register' | 'sign-in' | 'second-factor';

/** How long a ceremony may take: the options' timeout and the challenge's life. */
export const CHALLENGE_TTL_MS = 5 * 60_000;

const challengeKey = (challenge: string) => ({ pk: `WEBAUTHN#${createHash('sha256').update(challenge).digest('base64url')}`, sk: 'CHALLENGE' });

/**
 * A new challenge (32 random bytes), stored for `purpose` (and `userId`). Bytes, because the
 * library base64url-encodes what it is given (a string would be encoded as its UTF-8), and the
 * response's clientDataJSON carries that base64url form, which is what `claimChallenge` gets.
 */
export async function issueChallenge(deps: Pick<IdentityDeps, 'table' | 'now'>, purpose: ChallengePurpose, userId?: string): Promise<Uint8Array<ArrayBuffer>> {
  const bytes = randomBytes(32);
  const challenge = bytes.toString('base64url');
  const expiresAt = deps.now() + CHALLENGE_TTL_MS;
  await deps.table.doc.send(
    new PutCommand({
      TableName: deps.table.name,
      Item: { ...challengeKey(challenge), purpose, ...(userId ? { userId } : {}), expiresAt, ttl: Math.ceil(expiresAt / 1000) + 60 },
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
  return new Uint8Array(bytes);
}

/**
 * Claims `challenge` for `purpose` (and `userId`): true once, for exactly one caller, while it
 * is unexpired; false when it is unknown, already claimed, expired, or was issued for something else.
 */
export async function claimChallenge(
  deps: Pick<IdentityDeps, 'table' | 'now'>,
  challenge: string,
  purpose: ChallengePurpose,
  userId?: string,
): Promise<boolean> {
  const claimed = await unlessConditionFailed(
    deps.table.doc.send(
      new DeleteCommand({
        TableName: deps.table.name,
        Key: challengeKey(challenge),
        ConditionExpression: userId
          ? 'purpose = :purpose AND expiresAt > :now AND userId = :user'
          : 'purpose = :purpose AND expiresAt > :now AND attribute_not_exists(userId)',
        ExpressionAttributeValues: { ':purpose': purpose, ':now': deps.now(), ...(userId ? { ':user': userId } : {}) },
      }),
    ),
  );
  return claimed !== undefined;
}
