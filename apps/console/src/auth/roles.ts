/** A viewer sees; an operator also retries, discards and replays. */
export const ROLES = ['viewer', 'operator'] as const;
export type Role = (typeof ROLES)[number];

/** Whether a role may act (retry, discard, replay). */
export const mayAct = (role: Role): boolean => role === 'operator';
