import session from 'express-session';

/** A MemoryStore whose writes can be made to fail, standing in for a session store that is down. */
export class FailingStore extends session.MemoryStore {
  failing = false;

  override set(sid: string, sess: session.SessionData, callback?: (err?: unknown) => void): void {
    if (this.failing) {
      callback?.(new Error('session store down'));
      return;
    }
    super.set(sid, sess, callback);
  }
}
