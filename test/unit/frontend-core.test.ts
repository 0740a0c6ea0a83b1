/**
 * The shared client core (frontend/core/) and the SDK's public types stand
 * alone (no contract imports, so @flarevault/sdk's declarations need nothing
 * else); these compile-time checks keep them equal to the contracts. `npm run
 * typecheck` fails when a contract changes and the mirror does not.
 */
import type { z } from 'zod';
import type { FieldIssue as ContractFieldIssue, ProblemBody } from '../../functions/contracts/problem';
import type * as sessions from '../../functions/contracts/sessions';
import type { FieldIssue, Problem } from '../../frontend/core/problem';
import type { VaultEntry, VaultKey, VaultWrite } from '../../frontend/sdk/src';

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


test("the SDK's public types are the Session API contract's answers", () => {
  expect(check<Same<VaultKey, z.output<typeof sessions.ValueMeta>>>()).toBe(true);
  expect(check<Same<VaultWrite, z.output<typeof sessions.ValueWritten>>>()).toBe(true);
  // `value` is any JSON in the contract; the SDK lets the caller name its type (default unknown).
  expect(check<Same<keyof VaultEntry, keyof z.output<typeof sessions.StoredValue>>>()).toBe(true);
  expect(check<Same<Omit<VaultEntry, 'value'>, Omit<z.output<typeof sessions.StoredValue>, 'value'>>>()).toBe(true);
});
