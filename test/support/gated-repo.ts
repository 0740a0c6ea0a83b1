/**
 * A repository wrapper that makes the "stale check under a fresh version" race deterministic.
 *
 * The first `get` of the guard entity (the item whose version a commit is conditioned on, e.g.
 * the workspace) waits: first for every read already started beside it to finish, then at a
 * gate the test opens after letting a concurrent change commit. A domain that reads its checked
 * data (members, applications) in parallel with the guard thus checks a list read BEFORE the
 * change under a version read AFTER it; a domain that reads the guard first reads the list
 * after the change, and its commit under the older version fails.
 *
 *   const g = gatedRepo(realRepo, WorkspaceEntity);
 *   const victim = domainCall({ ...deps, repo: g.repo });
 *   await g.arrived;  await concurrentChange();  g.open();  await victim;
 */
import type { Repository } from '../../functions/data/repository';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

export function gatedRepo(repo: Repository, guard: { readonly name: string }) {
  const inFlight: Promise<unknown>[] = [];
  const track = <T>(p: Promise<T>): Promise<T> => {
    inFlight.push(p);
    return p;
  };
  const arrived = deferred();
  const gate = deferred();
  let armed = true;
  const get = (async (...args: Parameters<Repository['get']>) => {
    if (armed && args[1].name === guard.name) {
      armed = false;
      // Reads issued in the same turn as this one (a Promise.all) have started by now.
      await new Promise((r) => setImmediate(r));
      await Promise.allSettled(inFlight);
      arrived.resolve();
      await gate.promise;
    }
    return track(repo.get(...args));
  }) as Repository['get'];
  const query = ((...args: Parameters<Repository['query']>) => track(repo.query(...args))) as Repository['query'];
  const getMany = ((...args: Parameters<Repository['getMany']>) => track(repo.getMany(...args))) as Repository['getMany'];
  return {
    repo: { ...repo, get, query, getMany } as Repository,
    /** Resolves once the guard read is held at the gate and the reads beside it are done. */
    arrived: arrived.promise,
    open: () => gate.resolve(),
  };
}
