/**
 * Types of the Stack Exchange API v2.3 objects as returned by the `default` filter.
 * Field names are the API's own (snake_case), so the objects are passed through unchanged.
 */

/** Badge counts of a user or network user. */
export interface BadgeCounts {
  bronze: number;
  silver: number;
  gold: number;
}

/** `user_type` values. */
export type UserType = 'registered' | 'unregistered' | 'moderator' | 'team_admin' | 'does_not_exist';

/** A user on one site (`/me`, `/users/{ids}`). */
export interface User {
  account_id: number;
  user_id: number;
  display_name: string;
  reputation: number;
  user_type: UserType;
  link: string;
  profile_image: string;
  badge_counts: BadgeCounts;
  is_employee: boolean;
  creation_date: number;
  last_access_date: number;
  last_modified_date?: number;
  reputation_change_year: number;
  reputation_change_quarter: number;
  reputation_change_month: number;
  reputation_change_week: number;
  reputation_change_day: number;
  accept_rate?: number;
  location?: string;
  website_url?: string;
}

/** One of a user's accounts across the network (`/me/associated`, `/users/{ids}/associated`). */
export interface NetworkUser {
  account_id: number;
  user_id: number;
  site_name: string;
  site_url: string;
  reputation: number;
  badge_counts: BadgeCounts;
  creation_date: number;
  last_access_date: number;
  answer_count: number;
  question_count: number;
  user_type: UserType;
}

/** `item_type` values of an inbox item. */
export type InboxItemType =
  | 'comment'
  | 'chat_message'
  | 'new_answer'
  | 'careers_message'
  | 'careers_invitations'
  | 'meta_question'
  | 'post_notice'
  | 'moderator_message';

/** The site an inbox item belongs to (abbreviated). */
export interface InboxSite {
  api_site_parameter: string;
  name: string;
  site_url: string;
  [field: string]: unknown;
}

/** An item of the user's global inbox (`/me/inbox`, needs the `read_inbox` scope). */
export interface InboxItem {
  item_type: InboxItemType;
  title: string;
  link: string;
  is_unread: boolean;
  creation_date: number;
  site: InboxSite;
  body?: string;
  question_id?: number;
  answer_id?: number;
  comment_id?: number;
}

/** An access token as described by `/access-tokens/{tokens}`. */
export interface AccessTokenInfo {
  access_token: string;
  account_id: number;
  /** Unix seconds; absent for tokens with the `no_expiry` scope. */
  expires_on_date?: number;
  scope?: string[];
}

/** The author of a post or comment, abbreviated. */
export interface ShallowUser {
  account_id?: number;
  user_id?: number;
  display_name?: string;
  reputation?: number;
  user_type: UserType;
  link?: string;
  profile_image?: string;
  accept_rate?: number;
}

/** A question. */
export interface Question {
  question_id: number;
  title: string;
  link: string;
  tags: string[];
  owner?: ShallowUser;
  is_answered: boolean;
  view_count: number;
  answer_count: number;
  score: number;
  creation_date: number;
  last_activity_date: number;
  last_edit_date?: number;
  accepted_answer_id?: number;
  closed_date?: number;
  closed_reason?: string;
  content_license?: string;
  body?: string;
}

/** An answer. */
export interface Answer {
  answer_id: number;
  question_id: number;
  owner?: ShallowUser;
  is_accepted: boolean;
  score: number;
  creation_date: number;
  last_activity_date: number;
  last_edit_date?: number;
  content_license?: string;
  body?: string;
}

/** A comment. */
export interface Comment {
  comment_id: number;
  post_id: number;
  owner?: ShallowUser;
  reply_to_user?: ShallowUser;
  edited: boolean;
  score: number;
  creation_date: number;
  content_license?: string;
  body?: string;
}

/** The common wrapper of every API answer, as sent on the wire. */
export interface Wrapper<T> {
  items?: T[];
  has_more?: boolean;
  quota_max?: number;
  quota_remaining?: number;
  backoff?: number;
  error_id?: number;
  error_name?: string;
  error_message?: string;
  page?: number;
  page_size?: number;
  total?: number;
  type?: string;
}

/** A successful API answer, with the wrapper's fields in camelCase. */
export interface ApiResponse<T> {
  items: T[];
  hasMore: boolean;
  quotaMax: number;
  quotaRemaining: number;
  /** Seconds to wait before calling the same method again, when Stack Exchange asked for it. */
  backoff?: number;
  /** The wrapper exactly as received (merged wrappers for split vector requests: the last one). */
  raw: Wrapper<T>;
}

/** The daily quota as of the last answer. */
export interface Quota {
  max: number;
  remaining: number;
}

/** A badge (`/badges`, `/users/{ids}/badges`). */
export interface Badge {
  badge_id: number;
  name: string;
  rank: 'gold' | 'silver' | 'bronze';
  badge_type: 'named' | 'tag_based';
  award_count: number;
  link: string;
  user?: ShallowUser;
  description?: string;
}

/** A tag (`/tags`, `/users/{ids}/tags`). */
export interface Tag {
  name: string;
  count: number;
  has_synonyms: boolean;
  is_moderator_only: boolean;
  is_required: boolean;
  user_id?: number;
  synonyms?: string[];
  last_activity_date?: number;
}

/** A post: a question or an answer seen through `/posts`. */
export interface Post {
  post_id: number;
  post_type: 'question' | 'answer' | 'article';
  owner?: ShallowUser;
  score: number;
  creation_date: number;
  last_activity_date: number;
  link?: string;
  title?: string;
  body?: string;
  content_license?: string;
}

/** A site of the network (`/sites`). */
export interface Site {
  api_site_parameter: string;
  name: string;
  site_url: string;
  site_type: 'main_site' | 'meta_site';
  site_state: 'normal' | 'closed_beta' | 'open_beta' | 'linked_meta';
  audience?: string;
  [field: string]: unknown;
}

/** A custom filter (`/filters/create`, `/filters/{filters}`). */
export interface Filter {
  filter: string;
  filter_type: 'safe' | 'unsafe' | 'invalid';
  included_fields: string[];
}

/** Any other item the package does not model field by field: the API's JSON object as received. */
export type ApiObject = Record<string, unknown>;
