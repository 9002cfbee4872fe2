import { CanonicalTopicKey, eventTypesOf } from '@hub/canonical';
import { LANES } from '@hub/projection';

/** The canonical topics this projector reads: every lane's. */
export const PROJECTED_TOPICS: CanonicalTopicKey[] = LANES.flatMap((l) => l.topics);
export const PROJECTED_EVENT_TYPES = eventTypesOf(PROJECTED_TOPICS);
