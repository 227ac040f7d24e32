import type { BadgeCounts, InboxItem, NetworkUser, Question, User } from '../api/types.js';
import type { SandboxClient, SandboxUser } from './types.js';

/** A site of the sample network. */
export interface SampleSite {
  /** The `site` parameter, e.g. `stackoverflow`. */
  apiSiteParameter: string;
  name: string;
  /** e.g. `https://stackoverflow.com`. */
  siteUrl: string;
}

/** The sites the sandbox serves; `site` accepts the parameter or the domain. */
export const SAMPLE_SITES: readonly SampleSite[] = [
  { apiSiteParameter: 'stackoverflow', name: 'Stack Overflow', siteUrl: 'https://stackoverflow.com' },
  { apiSiteParameter: 'superuser', name: 'Super User', siteUrl: 'https://superuser.com' },
  { apiSiteParameter: 'serverfault', name: 'Server Fault', siteUrl: 'https://serverfault.com' },
  { apiSiteParameter: 'math', name: 'Mathematics', siteUrl: 'https://math.stackexchange.com' },
  { apiSiteParameter: 'unix', name: 'Unix &amp; Linux', siteUrl: 'https://unix.stackexchange.com' },
];

// Every name a `site` parameter may use, by parameter and by domain: built once, read per API request.
const SITES_BY_NAME = new Map<string, SampleSite>(
  SAMPLE_SITES.flatMap((s) => [[s.apiSiteParameter, s], [new URL(s.siteUrl).hostname, s]] as const),
);

/** The site a `site` parameter names (`stackoverflow` or `stackoverflow.com`), if any. */
export function findSite(parameter: string): SampleSite | undefined {
  return SITES_BY_NAME.get(parameter.toLowerCase());
}

/** The default registered apps: fixed credentials so that a separately started sandbox is predictable. */
export const SAMPLE_CLIENTS: readonly SandboxClient[] = [
  { clientId: '1001', clientSecret: 'sandboxSecret1001))', key: 'sandboxKey1001((', domain: 'localhost', name: 'Sandbox Web App' },
  { clientId: '1002', clientSecret: 'sandboxSecret1002))', key: 'sandboxKey1002((', domain: 'localhost', name: 'Sandbox Desktop App' },
];

// 2024-01-15T12:00:00Z; sample dates are fixed so answers are deterministic.
const BASE = 1_705_320_000;
const DAY = 86_400;

/** One of a sample person's site accounts, as the sample data describes it. */
export interface SiteAccount {
  /** The site's API parameter. */
  site: string;
  userId: number;
  reputation: number;
  badges: BadgeCounts;
  userType?: User['user_type'];
  answers: number;
  questions: number;
  extra?: Pick<User, 'accept_rate' | 'location' | 'website_url'>;
}

function siteOf(parameter: string): SampleSite {
  const site = findSite(parameter);
  if (!site) throw new Error(`unknown sample site ${parameter}`);
  return site;
}

function siteUser(accountId: number, displayName: string, a: SiteAccount, age: number): User {
  const site = siteOf(a.site);
  const slug = displayName.toLowerCase().replace(/&#39;|[^a-z0-9]+/g, '-');
  return {
    account_id: accountId,
    user_id: a.userId,
    display_name: displayName,
    reputation: a.reputation,
    user_type: a.userType ?? 'registered',
    link: `${site.siteUrl}/users/${a.userId}/${slug}`,
    profile_image: `https://www.gravatar.com/avatar/${accountId.toString(16).padStart(32, '0')}?s=256&d=identicon&r=PG`,
    badge_counts: a.badges,
    is_employee: false,
    creation_date: BASE - age * DAY,
    last_access_date: BASE,
    last_modified_date: BASE - DAY,
    reputation_change_year: Math.floor(a.reputation / 10),
    reputation_change_quarter: Math.floor(a.reputation / 40),
    reputation_change_month: Math.floor(a.reputation / 120),
    reputation_change_week: 10,
    reputation_change_day: 0,
    ...a.extra,
  };
}

function networkUser(accountId: number, a: SiteAccount, age: number): NetworkUser {
  const site = siteOf(a.site);
  return {
    account_id: accountId,
    user_id: a.userId,
    site_name: site.name,
    site_url: site.siteUrl,
    reputation: a.reputation,
    badge_counts: a.badges,
    creation_date: BASE - age * DAY,
    last_access_date: BASE,
    answer_count: a.answers,
    question_count: a.questions,
    user_type: a.userType ?? 'registered',
  };
}

/** A sample person: a site user per account, the matching network users, an inbox; `age` in days. */
export function person(accountId: number, displayName: string, accounts: SiteAccount[], inbox: InboxItem[], age: number): SandboxUser {
  return {
    accountId,
    displayName,
    sites: Object.fromEntries(accounts.map((a) => [a.site, siteUser(accountId, displayName, a, age)])),
    network: accounts.map((a) => networkUser(accountId, a, age)),
    inbox,
  };
}

function inboxSite(parameter: string): InboxItem['site'] {
  const site = siteOf(parameter);
  return { api_site_parameter: site.apiSiteParameter, name: site.name, site_url: site.siteUrl };
}

/**
 * The sample people, freshly built (callers may mutate them):
 * 0. Ada Sandbox — stackoverflow, superuser and math accounts, three inbox items (two unread).
 * 1. Grace Sandbox — a stackoverflow moderator only, empty inbox, no optional profile fields.
 * 2. Emmy Noether-Sandbox — a math account only (no stackoverflow account).
 * 3. Seán O'Sandbox — stackoverflow and unix; the API sends the name HTML-encoded
 *    (`Se&#225;n O&#39;Sandbox`) as Stack Exchange does, while `displayName` is the plain text.
 */
export function sampleUsers(): SandboxUser[] {
  return [
    person(
      9_000_001,
      'Ada Sandbox',
      [
        { site: 'stackoverflow', userId: 1001, reputation: 15_230, badges: { bronze: 40, silver: 12, gold: 3 }, answers: 310, questions: 25, extra: { accept_rate: 88, location: 'London, United Kingdom', website_url: 'https://ada.example.org' } },
        { site: 'superuser', userId: 2001, reputation: 1_101, badges: { bronze: 8, silver: 2, gold: 0 }, answers: 30, questions: 4 },
        { site: 'math', userId: 3001, reputation: 101, badges: { bronze: 1, silver: 0, gold: 0 }, answers: 1, questions: 1 },
      ],
      [
        { item_type: 'comment', title: 'How do I verify a PKCE code challenge?', link: 'https://stackoverflow.com/questions/500001/how-do-i-verify-a-pkce-code-challenge#comment700001_500001', is_unread: true, creation_date: BASE - 3600, site: inboxSite('stackoverflow'), body: 'Have you tried S256?', question_id: 500_001, comment_id: 700_001 },
        { item_type: 'new_answer', title: 'Why does my shell lose its history?', link: 'https://superuser.com/questions/800001/why-does-my-shell-lose-its-history/800002#800002', is_unread: true, creation_date: BASE - 7200, site: inboxSite('superuser'), question_id: 800_001, answer_id: 800_002 },
        { item_type: 'comment', title: 'Express session not saved before redirect', link: 'https://stackoverflow.com/questions/500002/express-session-not-saved-before-redirect#comment700002_500002', is_unread: false, creation_date: BASE - 2 * DAY, site: inboxSite('stackoverflow'), question_id: 500_002, comment_id: 700_002 },
      ],
      4000,
    ),
    person(
      9_000_002,
      'Grace Sandbox',
      [{ site: 'stackoverflow', userId: 1002, reputation: 88_500, badges: { bronze: 120, silver: 80, gold: 20 }, userType: 'moderator', answers: 1200, questions: 10 }],
      [],
      5000,
    ),
    person(
      9_000_003,
      'Emmy Noether-Sandbox',
      [{ site: 'math', userId: 3003, reputation: 5_400, badges: { bronze: 20, silver: 9, gold: 1 }, answers: 150, questions: 3 }],
      [
        { item_type: 'new_answer', title: 'Is every ideal finitely generated?', link: 'https://math.stackexchange.com/questions/900001/is-every-ideal-finitely-generated/900002#900002', is_unread: true, creation_date: BASE - 600, site: inboxSite('math'), question_id: 900_001, answer_id: 900_002 },
      ],
      3000,
    ),
    (() => {
      const u = person(
        9_000_004,
        'Se&#225;n O&#39;Sandbox',
        [
          { site: 'stackoverflow', userId: 1004, reputation: 1, badges: { bronze: 0, silver: 0, gold: 0 }, answers: 0, questions: 1 },
          { site: 'unix', userId: 5004, reputation: 230, badges: { bronze: 3, silver: 0, gold: 0 }, answers: 4, questions: 2 },
        ],
        [],
        20,
      );
      return { ...u, displayName: "Seán O'Sandbox" };
    })(),
  ];
}

const TAGS = ['javascript', 'node.js', 'oauth-2.0', 'typescript', 'express', 'passport.js', 'pkce', 'python'];

/**
 * Sample questions for `/questions` (paging and `tagged`): 45 on stackoverflow, 5 on math.
 * Freshly built, so upvotes can change `score`.
 */
export function sampleQuestions(users: readonly SandboxUser[]): Map<string, Question[]> {
  const bySite = new Map<string, Question[]>();
  const owner = (site: string, i: number): NonNullable<Question['owner']> => {
    const withAccount = users.filter((u) => u.sites[site]);
    const u = withAccount.length > 0 ? withAccount[i % withAccount.length]?.sites[site] : undefined;
    return u
      ? { account_id: u.account_id, user_id: u.user_id, display_name: u.display_name, reputation: u.reputation, user_type: u.user_type, link: u.link, profile_image: u.profile_image }
      : { user_type: 'does_not_exist', display_name: 'user000' };
  };
  const build = (site: string, count: number, firstId: number, tags: (i: number) => string[]): Question[] => {
    const { siteUrl } = siteOf(site);
    return Array.from({ length: count }, (_, i) => {
      const id = firstId + i;
      const title = `Sample question ${i + 1} about ${tags(i).join(' and ')}`;
      return {
        question_id: id,
        title,
        link: `${siteUrl}/questions/${id}/${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`,
        tags: tags(i),
        owner: owner(site, i),
        is_answered: i % 3 !== 0,
        view_count: 100 + i * 37,
        answer_count: i % 4,
        score: (i * 7) % 23,
        creation_date: BASE - (count - i) * DAY,
        last_activity_date: BASE - (count - i) * 3600,
        content_license: 'CC BY-SA 4.0',
      };
    });
  };
  bySite.set('stackoverflow', build('stackoverflow', 45, 500_001, (i) => [TAGS[i % TAGS.length] ?? 'javascript', TAGS[(i + 3) % TAGS.length] ?? 'node.js']));
  bySite.set('math', build('math', 5, 900_001, (i) => (i % 2 === 0 ? ['algebra', 'ring-theory'] : ['calculus'])));
  return bySite;
}
