import { Logger } from '@aws-lambda-powertools/logger';

/**
 * One structured logger per container. Never log secrets, tokens, emails or
 * decrypted data: log ids, counts and durations.
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'flarevault' });
