import { describe, expect, expectTypeOf, it } from 'vitest';
import { API_METHODS, describeMethod, StackExchangeClient, type AccessTokenInfo, type ApiResponse, type Filter, type InboxItem, type NetworkUser, type Question, type User } from 'passport-stackexchange-oauth2';

describe('the catalogue of API 2.3 methods', () => {
  it('types get() and post() from the template, and takes an explicit type for unknown ones', () => {
    const client = new StackExchangeClient({ key: 'k' });
    // Functions, never called: a call would send a request to the real API (and reject unhandled).
    expectTypeOf(() => client.get('/questions')).returns.toEqualTypeOf<Promise<ApiResponse<Question>>>();
    expectTypeOf(() => client.get('/me')).returns.toEqualTypeOf<Promise<ApiResponse<User>>>();
    expectTypeOf(() => client.get('/me/associated')).returns.toEqualTypeOf<Promise<ApiResponse<NetworkUser>>>();
    expectTypeOf(() => client.get('/me/inbox')).returns.toEqualTypeOf<Promise<ApiResponse<InboxItem>>>();
    expectTypeOf(() => client.get('/access-tokens/{tokens}', { tokens: ['a'] })).returns.toEqualTypeOf<Promise<ApiResponse<AccessTokenInfo>>>();
    expectTypeOf(() => client.get('/filters/create', { include: '.total' })).returns.toEqualTypeOf<Promise<ApiResponse<Filter>>>();
    expectTypeOf(() => client.get<{ id: number }>('/not/in/the/catalogue')).returns.toEqualTypeOf<Promise<ApiResponse<{ id: number }>>>();
    expectTypeOf(() => client.paginate('/users/{ids}', { ids: [1] })).returns.toEqualTypeOf<AsyncGenerator<User, void, undefined>>();
    expectTypeOf(() => client.post('/questions/{id}/upvote', { id: 1 })).returns.toEqualTypeOf<Promise<ApiResponse<Question>>>();
  });

  it('knows the site, token and write needs and the backoff family of each method', () => {
    expect(describeMethod('/users/{ids}/network-activity')).toMatchObject({ known: true, network: true, family: '/users/{ids}/network-activity' });
    expect(describeMethod('/me/network-activity')).toMatchObject({ network: true, token: true, family: '/users/{ids}/network-activity' });
    expect(describeMethod('/me/inbox')).toMatchObject({ network: false, token: true, family: '/users/{id}/inbox' });
    expect(describeMethod('/questions/42/upvote')).toMatchObject({ template: '/questions/{id}/upvote', write: true, token: true });
    expect(describeMethod('/questions/featured')).toMatchObject({ template: '/questions/featured' });
    expect(describeMethod('/sites')).toMatchObject({ network: true, write: false });
    expect(describeMethod('/brand/new/12')).toEqual({ template: '/brand/new/12', known: false, network: false, token: false, write: false, family: '/brand/new/{ids}' });
  });

  it('lists write methods only under paths that say so, and every /me method needs a token', () => {
    for (const [template, spec] of Object.entries(API_METHODS)) {
      if (template.startsWith('/me')) expect('token' in spec, template).toBe(true);
      if ('write' in spec) expect(/\/(?:add|accept|delete|downvote|edit|favorite|upvote|undo|render)$/.test(template), template).toBe(true);
    }
  });
});
