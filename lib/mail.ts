/**
 * Outbound mail through SES. The grant names the verified identity only: the
 * sender address and its domain (SES authorizes against whichever of the two
 * is verified), never `identity/*`.
 */
import type { Stack } from 'aws-cdk-lib';
import { ArnFormat } from 'aws-cdk-lib';

/** SES identity ARNs that may send as `mailFrom` (the address and its domain). */
export function sesIdentityArns(stack: Stack, mailFrom: string): string[] {
  const at = mailFrom.lastIndexOf('@');
  if (at < 1 || at === mailFrom.length - 1) throw new Error(`mail: "${mailFrom}" is not an e-mail address`);
  const domain = mailFrom.slice(at + 1).toLowerCase();
  return [mailFrom, domain].map((identity) =>
    stack.formatArn({ service: 'ses', resource: 'identity', resourceName: identity, arnFormat: ArnFormat.SLASH_RESOURCE_NAME }),
  );
}
