import type { ErrorRequestHandler, RequestHandler } from 'express';
import { redact } from 'passport-stackexchange-oauth2';
import { sendPage, startURL } from './render.js';
import { errorPage } from './views/error.js';

/** Options of {@link notFound}. */
export interface NotFoundOptions {
  sandbox: boolean;
}

/** The 404 page, for every request no route answered. */
export function notFound(options: NotFoundOptions): RequestHandler {
  return (req, res) => {
    res.status(404);
    sendPage(req, res, options.sandbox, errorPage(404, startURL('/', [])));
  };
}

/** Options of {@link errorHandler}. */
export interface ErrorHandlerOptions {
  sandbox: boolean;
  /** Where 5xx errors are logged (redacted). */
  logError: (message: string) => void;
}

function statusOf(error: unknown): number {
  if (typeof error === 'object' && error !== null) {
    const { status, statusCode } = error as { status?: unknown; statusCode?: unknown };
    const value = typeof status === 'number' ? status : statusCode;
    if (typeof value === 'number' && Number.isInteger(value) && value >= 400 && value <= 599) return value;
  }
  return 500;
}

/**
 * Renders an error page with the status the error carries (`err.status`, as the package's errors set
 * it: 401 for a missing or rejected token, 403 for a missing scope, 429, 502, 503), 500 otherwise.
 * The page text is fixed per status; the error's own message only goes to the log, redacted.
 */
export function errorHandler(options: ErrorHandlerOptions): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) return next(error);
    const status = statusOf(error);
    if (status >= 500) {
      const cause = error instanceof Error && error.cause instanceof Error ? ` (cause: ${error.cause.message})` : '';
      const text = (error instanceof Error ? (error.stack ?? error.message) : String(error)) + cause;
      options.logError(`${req.method} ${redact(req.originalUrl)} failed with ${status}: ${redact(text)}`);
    }
    res.status(status);
    const returnTo = req.method === 'GET' ? req.originalUrl : '/';
    try {
      sendPage(req, res, options.sandbox, errorPage(status, startURL(returnTo, [])));
    } catch (renderError) {
      // Never fall through to Express's default handler, which shows stack traces outside production.
      options.logError(`The error page failed: ${redact(String(renderError))}`);
      res.type('text').send('Something went wrong.');
    }
  };
}
