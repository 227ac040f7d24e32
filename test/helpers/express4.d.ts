// Express 4 is installed under the alias `express4`; its API is typed like Express 5's for our use.
declare module 'express4' {
  import express from 'express';
  export default express;
}
