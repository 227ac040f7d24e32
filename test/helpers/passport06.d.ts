// passport 0.6 is installed under the alias `passport06`; its API is typed like 0.7's for our use.
declare module 'passport06' {
  import passport from 'passport';
  export default passport;
}
