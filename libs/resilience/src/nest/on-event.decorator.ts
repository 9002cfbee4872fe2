import 'reflect-metadata';

export const ON_EVENT_METADATA = 'hub:on-event';

/**
 * Declares the method as the handler of the given event types (one or more). The consumer host discovers these at boot and refuses to
 * start when a subscribed event type has no handler or two (STYLE rule 6).
 */
export function OnEvent(...eventTypes: [string, ...string[]]): MethodDecorator {
  return (target, propertyKey) => {
    Reflect.defineMetadata(ON_EVENT_METADATA, eventTypes, target, propertyKey);
  };
}
