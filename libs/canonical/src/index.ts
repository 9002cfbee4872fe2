export * from './generated/avro-types';
export { avroSchemas } from './generated/avro-schemas';
export type { CanonicalSchemaName } from './generated/avro-schemas';
export * from './topics';
export * from './canonical-ids';
export * from './canonical-codec';
export * from './canonical-publisher';
export * from './kafka-topics';
export * from './decimal.type';
