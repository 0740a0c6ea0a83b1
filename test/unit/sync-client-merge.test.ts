/** The client's three-way merge after a 409 (clients/sync/merge.ts): nothing either side wrote is lost. */
import { mergeSnapshots } from '../../clients/sync/merge';

describe('mergeSnapshots', () => {
  const base = { A: '1', B: '1', C: '1', nested: { x: 1, y: 1 } };

  it('takes each side’s own changes (edits, additions, deletions)', () => {
    const local = { ...base, A: 'local', added_here: true, nested: { x: 2, y: 1 } } as Record<string, unknown>;
    delete local.C;
    const remote = { ...base, B: 'remote', added_there: [1], nested: { x: 1, y: 3 } };
    const { merged, conflicts } = mergeSnapshots(base, local as never, remote, 'devA');
    expect(merged).toEqual({ A: 'local', B: 'remote', added_here: true, added_there: [1], nested: { x: 2, y: 3 } });
    expect(conflicts).toEqual([]);
  });

  it('keeps both values of a key both sides changed: the remote one under the key, the local one beside it', () => {
    const { merged, conflicts } = mergeSnapshots(base, { ...base, A: 'mine', nested: { x: 5, y: 1 } }, { ...base, A: 'theirs', nested: { x: 6, y: 1 } }, 'dev:A/1');
    expect(merged).toEqual({ ...base, A: 'theirs', 'A@conflict-devA1': 'mine', nested: { x: 6, y: 1, 'x@conflict-devA1': 5 } });
    expect(conflicts).toEqual(['A', 'nested.x']);
  });

  it('same change on both sides is no conflict', () => {
    expect(mergeSnapshots(base, { ...base, A: 'same' }, { ...base, A: 'same' }, 'd')).toEqual({ merged: { ...base, A: 'same' }, conflicts: [] });
  });

  it('an edit beats a deletion on the other side, whichever side deleted', () => {
    const { C: _dropped, ...withoutC } = base;
    expect(mergeSnapshots(base, withoutC, { ...base, C: 'edited there' }, 'd').merged.C).toBe('edited there');
    expect(mergeSnapshots(base, { ...base, C: 'edited here' }, withoutC, 'd').merged.C).toBe('edited here');
    expect('C' in mergeSnapshots(base, withoutC, withoutC, 'd').merged).toBe(false);
  });

  it('without a base (both created the item), keys only one side has are kept and shared keys that differ conflict', () => {
    const { merged, conflicts } = mergeSnapshots(undefined, { only_here: 1, both: 'l' }, { only_there: 2, both: 'r' }, 'd');
    expect(merged).toEqual({ only_here: 1, only_there: 2, both: 'r', 'both@conflict-d': 'l' });
    expect(conflicts).toEqual(['both']);
  });

  it('never overwrites a key already named like the conflict key', () => {
    const remote = { ...base, A: 'theirs', 'A@conflict-d': 'older conflict' };
    const { merged } = mergeSnapshots(base, { ...base, A: 'mine' }, remote, 'd');
    expect(merged).toMatchObject({ A: 'theirs', 'A@conflict-d': 'older conflict', 'A@conflict-d-2': 'mine' });
  });

  it('arrays are values: changed on both sides → both kept whole', () => {
    const b = { list: [1] };
    expect(mergeSnapshots(b, { list: [1, 2] }, { list: [1, 3] }, 'd').merged).toEqual({ list: [1, 3], 'list@conflict-d': [1, 2] });
  });
});
