import { describe, expect, it } from 'vitest';
import { consentPage } from '../../src/sandbox/consent-page.js';
import { sampleUsers } from '../../src/sandbox/sample-data.js';

const client = { clientId: '1', clientSecret: 's', key: 'k', domain: 'localhost', name: '<img src=x onerror=alert(1)> & "Co"' };

describe('consentPage', () => {
  const users = sampleUsers();
  const html = consentPage({ client, redirectUri: 'http://localhost/cb?a=1&b="><script>', scope: ['read_inbox', 'write_access'], users, transaction: 'tx"value' });

  it('escapes everything from the request and the configuration', () => {
    expect(html).not.toMatch(/<img|<script/);
    expect(html).toContain('&#60;img src=x onerror=alert(1)&#62; &#38; &#34;Co&#34;');
    expect(html).toContain('b=&#34;&#62;&#60;script&#62;');
    expect(html).toContain('value="tx&#34;value"');
  });

  it('offers every user as a radio button, the first checked, and Approve / Reject posting to /oauth/consent', () => {
    const radios = [...html.matchAll(/<input type="radio" name="account_id" value="(\d+)"( checked)?>/g)];
    expect(radios.map((m) => Number(m[1]))).toEqual(users.map((u) => u.accountId));
    expect(radios.map((m) => m[2] !== undefined)).toEqual(users.map((_, i) => i === 0));
    expect(html).toContain('<form method="post" action="/oauth/consent">');
    expect(html).toContain('name="decision" value="approve"');
    expect(html).toContain('name="decision" value="reject"');
    expect(html).toContain('Seán O&#39;Sandbox');
  });

  it('lists the scopes asked for, and loads nothing from elsewhere', () => {
    expect(html).toContain('(read_inbox)');
    expect(html).toContain('(write_access)');
    expect(html).not.toContain('(no_expiry)');
    expect(html).not.toMatch(/<link|<script|src="http|url\(/);
  });
});
