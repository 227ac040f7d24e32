import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { parseProfile } from 'passport-stackexchange-oauth2';
import type { StackExchangeProfile, User } from 'passport-stackexchange-oauth2';
import { sampleUsers } from 'passport-stackexchange-oauth2/sandbox';

const page = readFileSync(new URL('../../docs/migration.md', import.meta.url), 'utf8');

/** The function `name` as docs/migration.md writes it, compiled to JavaScript and loaded as a module. */
async function fromGuide(name: string): Promise<(profile: StackExchangeProfile) => unknown> {
  const block = [...page.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] ?? '').find((code) => code.includes(`export function ${name}(`));
  if (block === undefined) throw new Error(`docs/migration.md has no ${name}()`);
  const start = block.indexOf(`export function ${name}(`);
  const end = block.indexOf('\n}\n', start) + 2;
  const js = ts.transpileModule(block.slice(start, end), { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } }).outputText;
  const module = (await import(`data:text/javascript,${encodeURIComponent(js)}`)) as Record<string, (profile: StackExchangeProfile) => unknown>;
  const fn = module[name];
  if (fn === undefined) throw new Error(`${name} was not exported`);
  return fn;
}

/** The sandbox's first user as `/me` on stackoverflow answers, with an HTML-encoded name as Stack Exchange sends. */
function me(): User {
  const user = sampleUsers()[0]?.sites['stackoverflow'];
  if (user === undefined) throw new Error('the sample user has no stackoverflow account');
  return { ...user, display_name: 'Ada &amp; Co' };
}

describe('docs/migration.md', () => {
  it("legacyUser() gives passport-stack-exchange 1.0's numeric id and string image", async () => {
    const profile = parseProfile(me(), 'stackoverflow');
    const legacyUser = await fromGuide('legacyUser');
    expect(legacyUser(profile)).toEqual({ id: profile.userId, avatar: me().profile_image });
    expect(typeof profile.userId).toBe('number');
  });

  it("rawUser() gives passport-stackexchange 0.1's user_id and a plain-text name", async () => {
    const profile = parseProfile(me(), 'stackoverflow');
    expect((await fromGuide('rawUser'))(profile)).toEqual({ id: profile.userId, name: 'Ada & Co' });
  });
});
