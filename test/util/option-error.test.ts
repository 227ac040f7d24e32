import { describe, expect, it } from 'vitest';
import { optionFailure } from '../../src/util/option-error.js';

describe('optionFailure', () => {
  it("throws a TypeError naming the owner and the option, with the rule and an example", () => {
    const fail = optionFailure('MyThing');
    expect(() => fail('timeout', 'must be a positive number', '10000')).toThrow(
      new TypeError('MyThing: options.timeout must be a positive number (e.g. timeout: 10000)'),
    );
    expect(() => fail('clients[0].key', 'must be a non-empty string', "'k(('")).toThrow(
      "MyThing: options.clients[0].key must be a non-empty string (e.g. clients[0].key: 'k((')",
    );
  });
});
