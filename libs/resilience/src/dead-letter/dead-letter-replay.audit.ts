import type { DeadLetterEntry, ReplaySelection } from './dead-letter.store';

/** One replay as the dead-letter API reports it to the audit trail. */
export interface DeadLetterReplayRecord {
  /** The dead-letter topic replayed from. */
  topic: string;
  /** Who asked: the authenticated caller (a token's name, or `<console>:<user>` for a console acting for a user). */
  actor: string;
  /** Why, as the caller said it (`why` in the body), if at all. */
  why: string | null;
  selection: ReplaySelection;
  outcome: 'requested' | 'done' | 'failed';
  /** The records replayed (outcome done), each one entry of the trail, found by its key. */
  replayed?: DeadLetterEntry[];
  error?: string;
}

/**
 * Where the dead-letter API reports replays, provided by the app (the audit trail in the hub database), so this lib
 * knows no table. `requested` is awaited before the replay: when it throws, the replay is refused (nothing happens
 * unrecorded); `done` and `failed` are reported once it happened and must not throw.
 */
export abstract class DeadLetterReplayAudit {
  abstract replayed(record: DeadLetterReplayRecord): Promise<void>;
}
