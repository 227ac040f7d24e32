// Public exports of the strategy part; src/index.ts re-exports this file.
export {};
