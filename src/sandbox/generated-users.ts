import { person } from './sample-data.js';
import type { SandboxUser } from './types.js';

/** The first generated person's `account_id` minus one. */
export const GENERATED_ACCOUNT_BASE = 8_000_000;
/** The first generated stackoverflow `user_id` minus one: generated user `i` (from 1) is `100000 + i`. */
export const GENERATED_USER_ID_BASE = 100_000;

/**
 * `count` generated people, the same on every call, so that vectors of more than 100 ids have someone
 * to find: person `i` (from 1) is "Sample User i", account `8000000 + i`, stackoverflow user
 * `100000 + i`; every third also has a superuser account (user `200000 + i`). Reputations are spread
 * deterministically so that sorting by reputation is meaningful. Their inboxes are empty.
 */
export function generatedUsers(count: number): SandboxUser[] {
  return Array.from({ length: count }, (_, index) => {
    const i = index + 1;
    // A multiplicative spread (7919 is prime): distinct, unordered reputations.
    const reputation = ((i * 7919) % 49_999) + 1;
    const badges = { bronze: i % 40, silver: i % 12, gold: i % 3 };
    const accounts = [{ site: 'stackoverflow', userId: GENERATED_USER_ID_BASE + i, reputation, badges, answers: i % 50, questions: i % 7 }];
    if (i % 3 === 0) accounts.push({ site: 'superuser', userId: 2 * GENERATED_USER_ID_BASE + i, reputation: Math.floor(reputation / 10) + 1, badges, answers: i % 5, questions: 1 });
    return person(GENERATED_ACCOUNT_BASE + i, `Sample User ${i}`, accounts, [], 100 + (i % 900));
  });
}
