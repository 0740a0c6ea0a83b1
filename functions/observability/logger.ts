import { Logger } from '@aws-lambda-powertools/logger';

const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'flarevault';

/**
 * One structured logger per container. Never log secrets, tokens, emails or
 * decrypted data: log ids, counts and durations.
 */
export const logger = new Logger({ serviceName });

/**
 * The logger of the API-access lines (functions/access-log/access-line.ts), which a log
 * subscription turns into access-log entries: its level is fixed (the constructor's level wins
 * over LOG_LEVEL), so quieting the logs never drops an entry. Lambda's own log-level filter
 * (advanced logging controls, `applicationLogLevel`) must stay unset or at most INFO.
 */
export const accessLogger = new Logger({ serviceName, logLevel: 'INFO' });
