import 'reflect-metadata';
import type { CanonicalEventOf, CanonicalEventType } from '@hub/canonical';
import type { DecodedEvent, HandlerContext } from '../consumer/record-processor';

export const ON_EVENT_METADATA = 'hub:on-event';

/**
 * The event a handler of these types receives: a canonical event typed by the event map; for another source's events
 * (raw CDC records), a decoded event whose payload type the handler declares.
 */
export type EventFor<E extends string> = [E] extends [CanonicalEventType] ? CanonicalEventOf<E> : DecodedEvent<never>;

type Handler<E extends string> = (event: EventFor<E>, ctx: HandlerContext) => Promise<void>;

/**
 * Declares the method as the handler of the given event types (one or more). Its first parameter is typed by the
 * event map, so a handler of `customer.upserted` receives a CustomerEvent. The consumer host discovers these at boot
 * and refuses to start when a subscribed event type has no handler or two (STYLE rule 6).
 */
export function OnEvent<E extends string>(...eventTypes: E[]) {
  if (eventTypes.length === 0) throw new Error('@OnEvent needs at least one event type');
  return (target: object, propertyKey: string | symbol, _descriptor: { value?: Handler<E> }): void => {
    Reflect.defineMetadata(ON_EVENT_METADATA, eventTypes, target, propertyKey);
  };
}
