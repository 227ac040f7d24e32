import { describe, expect, it } from 'vitest';
import type { InboxItem } from 'passport-stackexchange-oauth2';
import { inboxPage } from '../../../example-app/views/inbox.js';

const item = (overrides: Record<string, unknown>): InboxItem =>
  ({ item_type: 'comment', title: 'A &amp; B', link: 'https://stackoverflow.com/q/1', is_unread: true, creation_date: 1_700_000_000, site: { name: 'Stack Overflow' }, ...overrides }) as InboxItem;

const render = (items: InboxItem[]): string => String(inboxPage({ kind: 'items', items }).main);

describe('the inbox page', () => {
  it('shows the type, title, site and date of an unread item', () => {
    const page = render([item({})]);
    expect(page).toContain('<span class="tag">Comment</span>');
    expect(page).toContain('>A &amp; B</a>');
    expect(page).toContain('on Stack Overflow, <time datetime="2023-11-14T22:13:20.000Z">2023-11-14</time>');
  });

  it('renders what the API sends outside its documented shape instead of failing the page', () => {
    // An item type named like what every object has is shown as sent, not as function source text.
    expect(render([item({ item_type: 'constructor' })])).toContain('<span class="tag">constructor</span>');
    // A date out of the Date range, and an item without its site.
    const odd = render([item({ creation_date: 1e20, site: undefined })]);
    expect(odd).toContain('>A &amp; B</a>');
    expect(odd).not.toContain('<time');
  });
});
