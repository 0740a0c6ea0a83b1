/**
 * The shared client core (frontend/core/) and the SDK's public types stand
 * alone (no contract imports, so @flarevault/sdk's declarations need nothing
 * else); these compile-time checks keep them equal to the contracts. `npm run
 * typecheck` fails when a contract changes and the mirror does not.
 */
import type { FieldIssue as ContractFieldIssue, ProblemBody } from '../../functions/contracts/problem';
import type { FieldIssue, Problem } from '../../frontend/core/problem';

/** True only when A and B are mutually assignable. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const check = <T extends true>(): T => true as T;

test('the core mirrors the problem contract', () => {
  expect(check<Same<FieldIssue, ContractFieldIssue>>()).toBe(true);
  // Every problem the server sends is one the core reads.
  const body: ProblemBody = { type: 't', title: 't', status: 400, detail: 'd', requestId: 'r' };
  const read: Problem = body;
  expect(read.status).toBe(400);
});

