import 'reflect-metadata';

export const ON_EVENT_METADATA = 'hub:on-event';

/**
 * Declares the method as the handler of one event type. The consumer host discovers these at boot and refuses to
 * start when a subscribed event type has no handler or two (STYLE rule 6).
 */
export function OnEvent(eventType: string): MethodDecorator {
  return (target, propertyKey) => {
    Reflect.defineMetadata(ON_EVENT_METADATA, eventType, target, propertyKey);
  };
}
