import { describe, expect, it } from 'vitest';
import { scriptSafeJSON } from '../../src/util/script-json.js';

describe('scriptSafeJSON', () => {
  it('leaves nothing that can end the script element, and reads back as the same value', () => {
    const value = { text: '</script><!-- & \u2028\u2029 >', n: 1 };
    const out = scriptSafeJSON(value);
    expect(out).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(out)).toEqual(value);
  });
});
