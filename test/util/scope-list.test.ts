import { describe, expect, it } from 'vitest';
import { splitScopeList } from '../../src/util/scope-list.js';

describe('splitScopeList', () => {
  it('splits on commas, spaces and both, dropping empty names', () => {
    expect(splitScopeList('read_inbox,no_expiry')).toEqual(['read_inbox', 'no_expiry']);
    expect(splitScopeList('read_inbox no_expiry')).toEqual(['read_inbox', 'no_expiry']);
    expect(splitScopeList(' read_inbox, \tno_expiry,,write_access ')).toEqual(['read_inbox', 'no_expiry', 'write_access']);
    expect(splitScopeList('')).toEqual([]);
    expect(splitScopeList(' , ')).toEqual([]);
  });

  it('keeps names as given: repeated and unknown ones stay', () => {
    expect(splitScopeList('read_inbox,read_inbox,Bogus')).toEqual(['read_inbox', 'read_inbox', 'Bogus']);
  });
});
