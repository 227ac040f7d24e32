import { describe, expect, it } from 'vitest';
import { appendParams, encodeValue } from '../../src/api/params.js';

describe('encodeValue', () => {
  it('sends dates as Unix seconds, booleans and numbers as text', () => {
    expect(encodeValue('fromdate', new Date('2024-01-02T03:04:05.999Z'))).toBe('1704164645');
    expect(encodeValue('preview', true)).toBe('true');
    expect(encodeValue('preview', false)).toBe('false');
    expect(encodeValue('pagesize', 100)).toBe('100');
    expect(encodeValue('tagged', 'node.js')).toBe('node.js');
  });

  it('refuses invalid dates, non-finite numbers and other types, naming the param', () => {
    expect(() => encodeValue('fromdate', new Date('nope'))).toThrow(/params\.fromdate/);
    expect(() => encodeValue('min', Number.POSITIVE_INFINITY)).toThrow(/params\.min/);
    expect(() => encodeValue('x', {} as unknown as string)).toThrow(TypeError);
  });
});

describe('appendParams', () => {
  it('joins arrays with ; and skips undefined and null', () => {
    const q = new URLSearchParams();
    appendParams(q, { tagged: ['node.js', 'express'], page: 2, sort: undefined, order: null, todate: new Date(1000_000) });
    expect([...q.entries()]).toEqual([
      ['tagged', 'node.js;express'],
      ['page', '2'],
      ['todate', '1000'],
    ]);
  });
});
