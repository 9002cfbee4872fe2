import { CanonicalCodec, CanonicalDecodeError, CanonicalEnvelopeView } from '@hub/canonical';
import { envelopeAttributes, TracedEnvelope } from '@hub/runtime';
import type { KafkaMessage } from 'kafkajs';
import type { DecodedEvent, MessageDecoder } from '../consumer/record-processor';
import { PermanentError, PermanentErrorCode, TransientError } from '../errors/hub-errors';

/**
 * Decodes canonical topics for projectors: routes by `envelope.eventType`. Tombstones (null values on compacted
 * topics) follow a deletion event that already carried the meaning, so they are skipped.
 */
export class CanonicalMessageDecoder implements MessageDecoder {
  constructor(private readonly codec: CanonicalCodec) {}

  async decode(message: KafkaMessage): Promise<DecodedEvent | null> {
    if (message.value === null) return null;
    let value: CanonicalEnvelopeView;
    try {
      value = (await this.codec.decode(message.value)) as CanonicalEnvelopeView;
    } catch (error) {
      if (error instanceof CanonicalDecodeError && isRegistryUnavailable(error.cause)) {
        throw new TransientError('REGISTRY_UNAVAILABLE', error.message, { cause: error });
      }
      throw new PermanentError(PermanentErrorCode.UNDECODABLE, (error as Error).message, { cause: error });
    }
    if (!value?.envelope?.eventType) {
      throw new PermanentError(PermanentErrorCode.INVALID_RECORD, 'decoded value has no envelope.eventType');
    }
    return {
      eventType: value.envelope.eventType,
      eventId: value.envelope.eventId,
      value,
      traceAttributes: envelopeAttributes(value.envelope as TracedEnvelope),
    };
  }
}

/** A registry that cannot be reached is a transient condition; a schema id it does not know is not. */
function isRegistryUnavailable(cause: unknown): boolean {
  const status = (cause as { status?: number })?.status;
  if (status !== undefined) return status >= 500;
  const msg = String((cause as Error)?.message ?? '');
  return /ECONNREFUSED|ECONNRESET|ETIMEDOUT|socket hang up|fetch failed/i.test(msg);
}
