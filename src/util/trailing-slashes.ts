/** `url` without its trailing slashes (a loop, not a regex: `/\/+$/` is quadratic on many slashes). */
export function trimTrailingSlashes(url: string): string {
  let end = url.length;
  while (end > 0 && url.charCodeAt(end - 1) === 47) end -= 1;
  return url.slice(0, end);
}
