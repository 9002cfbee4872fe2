import { DecodedEvent, MessageDecoder, PermanentError, PermanentErrorCode } from '@hub/resilience';
import { HubSpanAttribute, isoTime } from '@hub/runtime';
import type { KafkaMessage } from 'kafkajs';
import { assertDebeziumChange, isTransactionMarker, transactionPosition } from './debezium-change';

/** Event types the decoder yields for the ordered Odoo change stream. */
export const OdooStreamEvent = {
  change: 'odoo.change',
  transactionBegin: 'odoo.transaction.begin',
  transactionEnd: 'odoo.transaction.end',
} as const;

/**
 * Decodes the ordered Odoo change stream: Debezium's JSON change events of every captured table and its
 * transaction BEGIN/END markers, all routed into one single-partition topic. Tombstones, which Debezium emits after
 * each delete for log compaction, carry nothing the delete event did not: they are skipped.
 */
export class DebeziumDecoder implements MessageDecoder {
  async decode(message: KafkaMessage, topic: string): Promise<DecodedEvent | null> {
    if (message.value === null) return null;
    let parsed: unknown;
    try {
      parsed = JSON.parse(message.value.toString('utf8'));
    } catch (error) {
      throw new PermanentError(
        PermanentErrorCode.UNDECODABLE,
        `${topic}: value is not JSON: ${(error as Error).message}`,
      );
    }
    if (isTransactionMarker(parsed)) {
      return {
        eventType: parsed.status === 'BEGIN' ? OdooStreamEvent.transactionBegin : OdooStreamEvent.transactionEnd,
        value: parsed,
        traceAttributes: {
          [HubSpanAttribute.sourceSystem]: 'ODOO',
          [HubSpanAttribute.sourceTransactionId]: parsed.id,
          ...positionAttribute(transactionPosition(parsed.id)),
          ...commitTimeAttribute(parsed.ts_ms),
        },
      };
    }
    const change = assertDebeziumChange(parsed, topic);
    return {
      eventType: OdooStreamEvent.change,
      value: change,
      // The first hop of an Odoo record's trace: which row, where in the WAL, and when Odoo committed it.
      traceAttributes: {
        [HubSpanAttribute.sourceSystem]: 'ODOO',
        [HubSpanAttribute.sourceTable]: change.source.table,
        'db.system.name': 'postgresql',
        'db.operation.name': change.op,
        ...positionAttribute(change.source.lsn),
        ...(change.source.txId == null ? {} : { [HubSpanAttribute.sourceTransactionId]: String(change.source.txId) }),
        ...commitTimeAttribute(change.source.ts_ms),
      },
    };
  }
}

const positionAttribute = (lsn: number | null | undefined) =>
  lsn == null ? {} : { [HubSpanAttribute.sourcePosition]: String(lsn) };

const commitTimeAttribute = (tsMs: number | undefined) => {
  const at = typeof tsMs === 'number' ? isoTime(tsMs) : undefined;
  return at === undefined ? {} : { [HubSpanAttribute.sourceCommitTime]: at };
};
