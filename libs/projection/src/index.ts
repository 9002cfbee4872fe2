// The projection engine: canonical events into any target, behind the ProjectionTarget port. Ordering per key, the
// stale guard per source, applied positions, batching, parents first, lanes, pacing on a budget, per-record outcomes.
export * from './target.port';
export * from './target-mapping.port';
export * from './applied-positions.repository';
export * from './call-budget';
export * from './keyed-lock';
export * from './call-slots';
export * from './micro-batcher';
export * from './parent-tracker';
export * from './target-writer';
export * from './bulk-writer';
export * from './projection-engine';
export * from './lanes';
export * from './batch-windows';
export * from './batch-window.scheduler';
export * from './write-audit.port';
