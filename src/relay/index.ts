// Public exports of the relay part; src/index.ts re-exports this file.
export {};
