import session from 'express-session';

/** A MemoryStore that records its writes and whose writes can be made to fail, standing in for a session store that is down. */
export class FailingStore extends session.MemoryStore {
  failing = false;
  /** The next this many writes fail, then the store works again (a blip). */
  failNextWrites = 0;
  /** Milliseconds each write takes, as over a network (a store such as Redis). Default 0. */
  writeDelayMs = 0;
  /** The sessions written, in order: what each `set` was given, as the store keeps it, and whether it was kept. */
  readonly writes: Array<{ sid: string; session: string; kept: boolean }> = [];

  override set(sid: string, sess: session.SessionData, callback?: (err?: unknown) => void): void {
    const fails = this.failing || this.failNextWrites > 0;
    this.writes.push({ sid, session: JSON.stringify(sess), kept: !fails });
    if (fails) {
      this.failNextWrites = Math.max(0, this.failNextWrites - 1);
      callback?.(new Error('session store down'));
      return;
    }
    if (this.writeDelayMs > 0) setTimeout(() => super.set(sid, sess, callback), this.writeDelayMs);
    else super.set(sid, sess, callback);
  }
}
