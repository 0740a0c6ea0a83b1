/**
 * The reads of a check-then-commit guarded by one item's version (e.g. "another OWNER
 * remains", "under the cap", committed only at the workspace version that was read):
 *
 *   const [guard, checked] = await readGuardFirst(() => getWorkspace(id), () => listMembers(id));
 *
 * The guard item is read FIRST, then (consistently) what the rule is checked on. Read in
 * parallel, the checked data could come from before a concurrent commit and the guard from
 * after it: the rule would be checked on a stale list and committed under a fresh version.
 * In this order, any commit after the guard read changes its version, so the conditional
 * commit fails (ConflictError) and the caller reads again.
 */
export async function readGuardFirst<G, C>(guard: () => Promise<G>, checked: () => Promise<C>): Promise<[G, C]> {
  const g = await guard();
  return [g, await checked()];
}
