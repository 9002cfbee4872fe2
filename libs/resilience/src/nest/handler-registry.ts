import { Injectable } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import type { EventHandlerFn } from '../consumer/record-processor';
import { ON_EVENT_METADATA } from './on-event.decorator';

/** Boot-time failure: the declared subscriptions and the discovered handlers do not match one-to-one. */
export class HandlerWiringError extends Error {
  override readonly name = 'HandlerWiringError';
}

@Injectable()
export class HandlerRegistry {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
  ) {}

  /**
   * Collects every `@OnEvent` method of every provider and checks it against the subscription: each subscribed
   * type needs exactly one handler, unless it is declared ignored; a handler for a type nobody subscribed is a bug too.
   */
  build(subscribed: readonly string[], ignored: readonly string[] = []): Map<string, EventHandlerFn> {
    const found = new Map<string, { fn: EventHandlerFn; where: string }[]>();
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object') continue;
      const proto = Object.getPrototypeOf(instance);
      for (const method of this.scanner.getAllMethodNames(proto)) {
        const types = Reflect.getMetadata(ON_EVENT_METADATA, proto, method) as string[] | undefined;
        if (!types) continue;
        const fn = (instance[method] as EventHandlerFn).bind(instance);
        for (const type of types) {
          const list = found.get(type) ?? [];
          list.push({ fn, where: `${proto.constructor.name}.${method}` });
          found.set(type, list);
        }
      }
    }
    const problems: string[] = [];
    for (const type of subscribed) {
      const list = found.get(type) ?? [];
      if (ignored.includes(type)) {
        if (list.length) problems.push(`${type} is declared ignored but ${list[0].where} handles it`);
      } else if (list.length === 0) problems.push(`no handler for subscribed event type ${type}`);
      else if (list.length > 1)
        problems.push(`${type} has ${list.length} handlers: ${list.map((h) => h.where).join(', ')}`);
    }
    for (const [type, list] of found) {
      if (!subscribed.includes(type)) problems.push(`${list[0].where} handles ${type}, which is not subscribed`);
    }
    if (problems.length) throw new HandlerWiringError(`event handler wiring is wrong:\n  - ${problems.join('\n  - ')}`);
    return new Map([...found].map(([type, list]) => [type, list[0].fn]));
  }
}
