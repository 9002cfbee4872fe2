import { DecodedEvent, MessageDecoder, PermanentError, PermanentErrorCode } from '@hub/resilience';
import type { KafkaMessage } from 'kafkajs';
import { assertDebeziumChange } from './debezium-change';

/** Event type the decoder gives a change of an Odoo table, e.g. odoo.res_partner.changed. */
export const odooChangeType = (table: string) => `odoo.${table}.changed`;

/**
 * Decodes Debezium's JSON change events. Routing is by the topic's table name (topic.prefix.schema.table), so a
 * record can never be handled as another table's. Tombstones, which Debezium emits after each delete for log
 * compaction, carry nothing the delete event did not: they are skipped.
 */
export class DebeziumDecoder implements MessageDecoder {
  constructor(private readonly topicPrefix: string) {}

  async decode(message: KafkaMessage, topic: string): Promise<DecodedEvent | null> {
    if (message.value === null) return null;
    const table = topic.startsWith(`${this.topicPrefix}.`) ? topic.split('.').pop()! : undefined;
    if (!table) {
      throw new PermanentError(
        PermanentErrorCode.INVALID_RECORD,
        `topic ${topic} is not a ${this.topicPrefix}.* change topic`,
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(message.value.toString('utf8'));
    } catch (error) {
      throw new PermanentError(
        PermanentErrorCode.UNDECODABLE,
        `${topic}: value is not JSON: ${(error as Error).message}`,
      );
    }
    const change = assertDebeziumChange(parsed, topic);
    return { eventType: odooChangeType(table), value: change };
  }
}
