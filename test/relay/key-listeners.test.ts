import { describe, expect, it } from 'vitest';
import { KeyListeners } from '../../src/relay/key-listeners.js';

describe('KeyListeners', () => {
  it('notifies the listeners of one key only, each subscription separately', () => {
    const listeners = new KeyListeners();
    const calls: string[] = [];
    const a = () => calls.push('a');
    const removeFirst = listeners.add('k1', a);
    listeners.add('k1', a);
    listeners.add('k2', () => calls.push('b'));
    listeners.notify('k1');
    expect(calls).toEqual(['a', 'a']);
    removeFirst();
    listeners.notify('k1');
    expect(calls).toEqual(['a', 'a', 'a']);
  });

  it('forgets removed and cleared listeners', () => {
    const listeners = new KeyListeners();
    let count = 0;
    const remove = listeners.add('k', () => count++);
    remove();
    remove();
    listeners.notify('k');
    listeners.add('k', () => count++);
    listeners.clear();
    listeners.notify('k');
    expect(count).toBe(0);
  });
});
