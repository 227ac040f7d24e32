import type { ServerResponse } from 'node:http';

/**
 * A signal that aborts when the connection of `res` closes before its answer was sent: the person went
 * away (closed the tab, a proxy gave up), so API calls made for this request should leave the 30/s
 * queue instead of spending the limit on an answer nobody reads. A finished answer never aborts it.
 */
export function responseClosedSignal(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  if (res.writableEnded) return controller.signal;
  if (res.destroyed) {
    controller.abort(new Error('The client closed the connection'));
    return controller.signal;
  }
  res.once('close', () => {
    if (!res.writableEnded) controller.abort(new Error('The client closed the connection'));
  });
  return controller.signal;
}
