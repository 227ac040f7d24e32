/** An error carrying the HTTP status the error handler answers with; `cause` is only logged. */
export function httpError(status: number, message: string, cause?: unknown): Error & { status: number } {
  return Object.assign(new Error(message, cause === undefined ? undefined : { cause }), { status });
}
