import {
  assertMayProduce,
  CANONICAL_TOPICS,
  CanonicalTopicKey,
  mayProduce,
  topicsProducedBy,
  TopicProducerError,
} from './topics';

describe('topic producers', () => {
  it('lets odoo-cdc produce every canonical topic of Odoo records, ingress customers, contacts, service cases and order submissions, projector-odoo its order exceptions and projector-support its service loads', () => {
    const fromIngressOnly = ['service-case', 'order-submission'];
    const fromProjectorOdoo = ['order-exception'];
    const fromProjectorSupport = ['customer-service-load'];
    expect(topicsProducedBy('odoo-cdc')).toEqual(
      Object.keys(CANONICAL_TOPICS).filter(
        (key) => ![...fromIngressOnly, ...fromProjectorOdoo, ...fromProjectorSupport].includes(key),
      ),
    );
    expect(topicsProducedBy('ingress')).toEqual(['customer', 'contact', ...fromIngressOnly]);
    expect(topicsProducedBy('projector-odoo')).toEqual(fromProjectorOdoo);
    expect(topicsProducedBy('projector-support')).toEqual(fromProjectorSupport);
    expect(topicsProducedBy('projector-salesforce')).toEqual([]);
  });

  it('names every producer of every topic: no topic without one, no blank name', () => {
    for (const key of Object.keys(CANONICAL_TOPICS) as CanonicalTopicKey[]) {
      const producers = CANONICAL_TOPICS[key].producers;
      expect(producers.length).toBeGreaterThan(0);
      for (const app of producers) {
        expect(app).toMatch(/^[a-z][a-z0-9-]*$/);
        expect(mayProduce(app, key)).toBe(true);
      }
    }
  });

  it('refuses, in one error, every topic an app may not produce, naming the app and who may', () => {
    const attempt = () => assertMayProduce('ingress', ['customer', 'invoice', 'sales-order', 'invoice']);
    expect(attempt).toThrow(TopicProducerError);
    expect(attempt).toThrow(
      'ingress may not produce to invoice, sales-order: the topic table (libs/canonical/src/topics.ts) lists ' +
        'invoice: odoo-cdc; sales-order: odoo-cdc',
    );
    try {
      attempt();
    } catch (error) {
      expect(error).toMatchObject({ app: 'ingress', topics: ['invoice', 'sales-order'] });
    }
  });

  it('accepts an app producing only its own topics, and an empty list', () => {
    expect(() => assertMayProduce('ingress', ['customer', 'contact'])).not.toThrow();
    expect(() => assertMayProduce('anyone', [])).not.toThrow();
  });
});
