import { describe, expect, it } from 'vitest';
import { interceptOnce } from '../../src/util/intercept-once.js';

class Session {
  calls: string[] = [];
  regenerate(done: (err?: unknown) => void): void {
    this.calls.push('original');
    done();
  }
}

describe('interceptOnce', () => {
  it('runs the interceptor once, with the original bound to the target, as a hidden own property', () => {
    const session = new Session();
    const seen: unknown[] = [];
    expect(interceptOnce(session, 'regenerate', (original, done) => {
      session.calls.push('before');
      original((err) => done(err ?? 'passed on'));
    })).toBe(true);
    expect(Object.keys(session)).toEqual(['calls']);
    expect(JSON.stringify(session)).toBe('{"calls":[]}');

    session.regenerate((err) => seen.push(err));
    session.regenerate((err) => seen.push(err));
    expect(session.calls).toEqual(['before', 'original', 'original']);
    expect(seen).toEqual(['passed on', undefined]);
    expect(Object.hasOwn(session, 'regenerate')).toBe(false);
  });

  it("puts back an own method it replaced (express-session defines save() on the session itself)", () => {
    const calls: string[] = [];
    const session = {};
    Object.defineProperty(session, 'save', { value: (done: () => void) => (calls.push('own'), done()), enumerable: false, configurable: true, writable: true });
    const own = Object.getOwnPropertyDescriptor(session, 'save');
    interceptOnce(session, 'save', (original, done) => original(done));
    const save = (): void => (session as { save: (done: () => void) => void }).save(() => calls.push('done'));
    save();
    save();
    expect(calls).toEqual(['own', 'done', 'own', 'done']);
    expect(Object.getOwnPropertyDescriptor(session, 'save')).toEqual(own);
  });

  it('refuses a name that is not a method', () => {
    expect(interceptOnce({ save: 1 }, 'save', () => undefined)).toBe(false);
    expect(interceptOnce({}, 'save', () => undefined)).toBe(false);
  });
});
