import type { Params } from './incoming.js';
import { ApiFailure } from './wrapper.js';

/** `page` (from 1) and `pagesize` (0–100, default 30) of a request. */
export interface Paging {
  page: number;
  pageSize: number;
}

function integer(params: Params, name: string, fallback: number, min: number, max: number): number {
  const raw = params[name];
  if (raw === undefined) return fallback;
  if (typeof raw !== 'string' || !/^\d+$/.test(raw)) throw new ApiFailure(400, `${name} must be an integer`);
  const value = Number(raw);
  if (value < min || value > max) throw new ApiFailure(400, `${name} must be between ${min} and ${max}`);
  return value;
}

/** Reads and validates `page` and `pagesize`; throws {@link ApiFailure} `bad_parameter`. */
export function readPaging(params: Params): Paging {
  return { page: integer(params, 'page', 1, 1, Number.MAX_SAFE_INTEGER), pageSize: integer(params, 'pagesize', 30, 0, 100) };
}

/** One page of `all`, and whether more follow. */
export function pageOf<T>(all: readonly T[], paging: Paging): { items: T[]; hasMore: boolean } {
  const start = (paging.page - 1) * paging.pageSize;
  return { items: all.slice(start, start + paging.pageSize), hasMore: start + paging.pageSize < all.length };
}
