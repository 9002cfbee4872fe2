// The audit trail: every write the hub made into a system and every operator action, append-only in the hub database
// (table audit_entry), values only as keyed hashes; the recorder apps write through, the query API, the retention purge.
export * from './audit-entry';
export * from './field-hasher';
export * from './audit-query';
export * from './audit-trail.repository';
export * from './audit-recorder';
export * from './engine-write-audit';
export * from './dead-letter-replay.trail';
export * from './audit.controller';
export * from './audit-retention';
export * from './audit.config';
export * from './audit.providers';
