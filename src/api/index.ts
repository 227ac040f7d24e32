// Public exports of the api part; src/index.ts re-exports this file.
export {};
