import { describe, expect, it } from 'vitest';
import { filterParams } from '../../src/api/filters.js';

describe('filterParams', () => {
  it('normalises a definition so that equal ones give equal params', () => {
    expect(filterParams({ include: ['question.body', '.total'], exclude: [], base: 'none', unsafe: false })).toEqual({ include: '.total;question.body', base: 'none', unsafe: false });
    expect(filterParams({ include: ['.total', 'question.body'], base: 'none', unsafe: false })).toEqual(filterParams({ include: ['question.body', '.total'], base: 'none', unsafe: false }));
    expect(filterParams({})).toEqual({});
  });

  it('refuses malformed definitions', () => {
    expect(() => filterParams(null as never)).toThrow(/needs a definition/);
    expect(() => filterParams({ include: ['a b'] })).toThrow(/include must be an array of field names/);
    expect(() => filterParams({ exclude: 'user.about_me' as never })).toThrow(/exclude must be/);
    expect(() => filterParams({ base: '' })).toThrow(/base must be a filter name/);
    expect(() => filterParams({ unsafe: 'yes' as never })).toThrow(/unsafe must be a boolean/);
  });
});
