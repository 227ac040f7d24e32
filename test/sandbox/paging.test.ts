import { describe, expect, it } from 'vitest';
import { pageOf, readPaging } from '../../src/sandbox/paging.js';
import { ApiFailure } from '../../src/sandbox/wrapper.js';

describe('paging', () => {
  it('defaults to page 1 of 30', () => {
    expect(readPaging({})).toEqual({ page: 1, pageSize: 30 });
  });

  it.each([['page', '0'], ['page', '-1'], ['page', '1.5'], ['pagesize', '101'], ['pagesize', 'ten']])('%s=%s is a bad_parameter', (name, value) => {
    expect(() => readPaging({ [name]: value })).toThrow(ApiFailure);
  });

  it('slices and tells whether more follow', () => {
    const all = Array.from({ length: 5 }, (_, i) => i);
    expect(pageOf(all, { page: 1, pageSize: 2 })).toEqual({ items: [0, 1], hasMore: true });
    expect(pageOf(all, { page: 3, pageSize: 2 })).toEqual({ items: [4], hasMore: false });
    expect(pageOf(all, { page: 4, pageSize: 2 })).toEqual({ items: [], hasMore: false });
    expect(pageOf(all, { page: 1, pageSize: 5 })).toEqual({ items: all, hasMore: false });
  });
});
