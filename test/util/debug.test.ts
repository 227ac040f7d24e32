import createDebug from 'debug';
import { afterEach, describe, expect, it } from 'vitest';
import { logger } from '../../src/util/debug.js';

describe('logger', () => {
  const originalLog = createDebug.log;
  afterEach(() => {
    createDebug.disable();
    createDebug.log = originalLog;
  });

  it('writes under the package namespace with secrets redacted', () => {
    const lines: string[] = [];
    createDebug.log = (...args: unknown[]) => { lines.push(args.map(String).join(' ')); };
    createDebug.enable('passport-stackexchange-oauth2:*');
    logger('test')('revoking /2.3/access-tokens/t0ken/invalidate?key=k3y');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('passport-stackexchange-oauth2:test');
    expect(lines[0]).toContain('/2.3/access-tokens/[REDACTED]/invalidate?key=[REDACTED]');
    expect(lines[0]).not.toContain('t0ken');
  });

  it('writes nothing when the namespace is off', () => {
    const lines: string[] = [];
    createDebug.log = (...args: unknown[]) => { lines.push(args.map(String).join(' ')); };
    logger('quiet')('hello');
    expect(lines).toEqual([]);
  });
});
