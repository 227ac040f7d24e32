import session from 'express-session';

/** A MemoryStore that records its writes and whose writes can be made to fail, standing in for a session store that is down. */
export class FailingStore extends session.MemoryStore {
  failing = false;
  /** Milliseconds each write takes, as over a network (a store such as Redis). Default 0. */
  writeDelayMs = 0;
  /** The sessions written, in order: what each `set` was given, as the store keeps it. */
  readonly writes: Array<{ sid: string; session: string }> = [];

  override set(sid: string, sess: session.SessionData, callback?: (err?: unknown) => void): void {
    this.writes.push({ sid, session: JSON.stringify(sess) });
    if (this.failing) {
      callback?.(new Error('session store down'));
      return;
    }
    if (this.writeDelayMs > 0) setTimeout(() => super.set(sid, sess, callback), this.writeDelayMs);
    else super.set(sid, sess, callback);
  }
}
