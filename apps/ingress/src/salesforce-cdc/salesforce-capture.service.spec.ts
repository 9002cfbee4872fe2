import { entityOfChannel } from './salesforce-capture.service';

describe('entityOfChannel', () => {
  it.each([
    ['/data/AccountChangeEvent', 'Account'],
    ['/data/ContactChangeEvent', 'Contact'],
    ['/data/OrderChangeEvent', 'Order'],
    ['/data/Foo__ChangeEvent', 'Foo__c'],
    ['/data/acme__Foo__ChangeEvent', 'acme__Foo__c'],
  ])('%s carries %s', (channel, entity) => {
    expect(entityOfChannel(channel)).toBe(entity);
  });

  it.each([
    ['a platform event channel', '/event/X__e'],
    ['the channel of all change events', '/data/ChangeEvents'],
    ['a custom channel', '/data/Hub__chn'],
    ['a name without its /data/ prefix', 'AccountChangeEvent'],
  ])('is undefined for %s', (_case, channel) => {
    expect(entityOfChannel(channel)).toBeUndefined();
  });
});
