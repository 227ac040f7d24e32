/** The package version, sent in the `User-Agent` of every request the package makes. */
export const VERSION = '0.1.0';
