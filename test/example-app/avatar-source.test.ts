import { describe, expect, it } from 'vitest';
import { avatarSource } from '../../example-app/avatar-source.js';

describe('avatarSource', () => {
  it('uses https profile images against real Stack Exchange', () => {
    expect(avatarSource('https://i.sstatic.net/abc.png?s=256', false)).toBe('https://i.sstatic.net/abc.png?s=256');
  });

  it('never loads an image in sandbox mode (the sample images are on the internet)', () => {
    expect(avatarSource('https://www.gravatar.com/avatar/1?s=256', true)).toBeUndefined();
  });

  it('draws the initial instead of loading plain-http, odd-scheme or missing images', () => {
    expect(avatarSource('http://example.org/a.png', false)).toBeUndefined();
    expect(avatarSource('javascript:alert(1)', false)).toBeUndefined();
    expect(avatarSource(null, false)).toBeUndefined();
  });
});
