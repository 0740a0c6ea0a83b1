/**
 * Repository wrappers that make check-then-commit races deterministic: one read of the domain
 * under test is held at a gate while the test lets a concurrent change commit, then opened.
 *
 *   const g = gatedRepo(realRepo, { beforeGet: WorkspaceEntity });   // or { afterQuery: SomeEntity }
 *   const victim = domainCall({ ...deps, repo: g.repo });
 *   await g.arrived;  await concurrentChange();  g.open();  await victim;
 *
 * `beforeGet`: the first `get` of the guard entity (the item whose version a commit is
 * conditioned on) waits for every read already started beside it, then at the gate. A domain
 * that reads its checked list in parallel with the guard then checks a list from BEFORE the
 * change under a version from AFTER it.
 * `afterQuery`: the first `query` of the checked entity returns its (then current) answer only
 * after the gate: a domain whose create is not conditioned on anything the change moved
 * commits past the limit.
 */
import type { Repository } from '../../functions/data/repository';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

type Gate = { readonly beforeGet: { readonly name: string } } | { readonly afterQuery: { readonly name: string } };

export function gatedRepo(repo: Repository, at: Gate) {
  const inFlight: Promise<unknown>[] = [];
  const track = <T>(p: Promise<T>): Promise<T> => {
    inFlight.push(p);
    return p;
  };
  const arrived = deferred();
  const gate = deferred();
  let armed = true;
  const hold = async () => {
    armed = false;
    arrived.resolve();
    await gate.promise;
  };
  const get = (async (...args: Parameters<Repository['get']>) => {
    if (armed && 'beforeGet' in at && args[1].name === at.beforeGet.name) {
      // Reads issued in the same turn as this one (a Promise.all) have started by now.
      await new Promise((r) => setImmediate(r));
      await Promise.allSettled(inFlight);
      await hold();
    }
    return track(repo.get(...args));
  }) as Repository['get'];
  const query = (async (...args: Parameters<Repository['query']>) => {
    const answer = await track(repo.query(...args));
    if (armed && 'afterQuery' in at && args[1].name === at.afterQuery.name) await hold();
    return answer;
  }) as Repository['query'];
  const getMany = ((...args: Parameters<Repository['getMany']>) => track(repo.getMany(...args))) as Repository['getMany'];
  return {
    repo: { ...repo, get, query, getMany } as Repository,
    /** Resolves once the held read is at the gate (and, for `beforeGet`, the reads beside it are done). */
    arrived: arrived.promise,
    open: () => gate.resolve(),
  };
}
