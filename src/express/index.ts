// Public exports of the express part; src/index.ts re-exports this file.
export {};
