import type { ConsoleUser } from '../config';

/** Who may sign in (DI token): CONSOLE_USERS by name. */
export abstract class ConsoleUsers {
  abstract readonly users: ReadonlyMap<string, ConsoleUser>;
}
