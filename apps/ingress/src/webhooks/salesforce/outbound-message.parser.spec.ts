import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ForbiddenWebhookError, MalformedWebhookError } from '../http/webhook.errors';
import { MAX_NOTIFICATIONS, parseOutboundMessage } from './outbound-message.parser';

const fixtures = join(__dirname, '../../../../../test/fixtures/salesforce-outbound-message');
const fixture = (name: string) => readFileSync(join(fixtures, name), 'utf8');
const ORG = '00D5e000000KQ2eEAG';
const SAMPLE = fixture('ok/account-and-contact.xml');

/** The sample with its two notifications replaced by `count` generated ones. */
function withNotifications(count: number): string {
  const notifications = Array.from(
    { length: count },
    (_, i) =>
      `<Notification><Id>04l5e00000G${String(i).padStart(5, '0')}AA</Id>` +
      `<sObject xsi:type="sf:Account" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">` +
      `<sf:Id>0015e00000Z${String(i).padStart(5, '0')}AA</sf:Id></sObject></Notification>`,
  ).join('');
  return SAMPLE.replace(/<Notification>[\s\S]*<\/Notification>/, notifications);
}

function refusal(xml: string, org = ORG): Error {
  try {
    parseOutboundMessage(xml, org);
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the message to be refused');
}

describe('parseOutboundMessage', () => {
  it('reads a real-shaped message: its header and two notifications with their fields, nil fields as null', () => {
    const message = parseOutboundMessage(SAMPLE, ORG);
    expect(message).toEqual({
      organizationId: ORG,
      actionId: '04k5e000000CaRkAAK',
      sessionId: null,
      enterpriseUrl: 'https://acme.my.salesforce.com/services/Soap/c/60.0/00D5e000000KQ2e',
      partnerUrl: 'https://acme.my.salesforce.com/services/Soap/u/60.0/00D5e000000KQ2e',
      notifications: [
        {
          notificationId: '04l5e00000Gx7QzAAJ',
          objectType: 'Account',
          recordId: '0015e00000ZkM3hAAF',
          fields: {
            Id: '0015e00000ZkM3hAAF',
            AccountNumber: '00042',
            Industry: null,
            Name: 'Acme & Sons',
            Odoo_Id__c: 'odoo-partner-42',
            Phone: '(415) 555-0142',
          },
        },
        {
          notificationId: '04l5e00000Gx7R0AAJ',
          objectType: 'Contact',
          recordId: '0035e00000AbCdEAAZ',
          fields: {
            Id: '0035e00000AbCdEAAZ',
            AccountId: '0015e00000ZkM3hAAF',
            Email: 'ada@example.com',
            LastName: 'Lovelace',
          },
        },
      ],
    });
  });

  it('reads a session id when the message sends one, and a prefixed notifications element', () => {
    const xml = SAMPLE.replace('<SessionId xsi:nil="true"/>', '<SessionId>00D!AQ0AQH0dMHZfz972Szmp</SessionId>')
      .replace(
        '<notifications xmlns="http://soap.sforce.com/2005/09/outbound">',
        '<out:notifications xmlns:out="http://soap.sforce.com/2005/09/outbound">',
      )
      .replace('</notifications>', '</out:notifications>');
    const message = parseOutboundMessage(xml, ORG);
    expect(message.sessionId).toBe('00D!AQ0AQH0dMHZfz972Szmp');
    expect(message.notifications).toHaveLength(2);
  });

  it('accepts the configured org as its 15-character id', () => {
    expect(parseOutboundMessage(SAMPLE, ORG.slice(0, 15)).organizationId).toBe(ORG);
  });

  it('refuses a message from another org as forbidden, before reading its notifications', () => {
    const error = refusal(SAMPLE.replace(ORG, '00D000000000062EAA'));
    expect(error).toBeInstanceOf(ForbiddenWebhookError);
    expect(error.message).toBe('outbound messages are accepted from one Salesforce org, not 00D000000000062EAA');
    // Org ids are case-sensitive in their 15-character form.
    expect(refusal(SAMPLE, ORG.toLowerCase())).toBeInstanceOf(ForbiddenWebhookError);
    expect(refusal(withNotifications(MAX_NOTIFICATIONS + 1).replace(ORG, '00D000000000062EAA'))).toBeInstanceOf(
      ForbiddenWebhookError,
    );
  });

  it('refuses malformed XML, naming the line and column', () => {
    const error = refusal(fixture('not-ok/unclosed-element.xml'));
    expect(error).toBeInstanceOf(MalformedWebhookError);
    expect(error.message).toMatch(/^malformed XML at line \d+, column \d+: /);
    expect(refusal('not xml at all').message).toMatch(/^malformed XML/);
    expect(refusal('').message).toMatch(/^malformed XML/);
  });

  it('refuses a notifications element in another namespace, naming both', () => {
    expect(refusal(fixture('not-ok/wrong-namespace.xml')).message).toBe(
      'notifications: expected namespace http://soap.sforce.com/2005/09/outbound, found http://example.com/not-salesforce',
    );
  });

  it('refuses a document type declaration (entity expansion)', () => {
    const xml = SAMPLE.replace('<?xml version="1.0" encoding="UTF-8"?>', '<!DOCTYPE x [<!ENTITY a "aaaa">]>');
    expect(refusal(xml).message).toBe('a SOAP message must not contain a DOCTYPE');
  });

  it(`takes up to ${MAX_NOTIFICATIONS} notifications and refuses more`, () => {
    expect(parseOutboundMessage(withNotifications(MAX_NOTIFICATIONS), ORG).notifications).toHaveLength(100);
    const error = refusal(withNotifications(MAX_NOTIFICATIONS + 1));
    expect(error).toBeInstanceOf(MalformedWebhookError);
    expect(error.message).toBe('notifications.Notification: 101 notifications, at most 100 in one message');
    expect(refusal(withNotifications(0)).message).toBe('notifications.Notification: expected at least one');
  });

  it('names the path of a missing or malformed part', () => {
    expect(refusal(SAMPLE.replace(/<ActionId>.*<\/ActionId>/, '')).message).toBe(
      'notifications.ActionId: expected one element, found 0',
    );
    expect(refusal(SAMPLE.replace('<Id>04l5e00000Gx7R0AAJ</Id>', '')).message).toBe(
      'notifications.Notification[1].Id: expected one element, found 0',
    );
    expect(refusal(SAMPLE.replace(' xsi:type="sf:Contact"', '')).message).toBe(
      'notifications.Notification[1].sObject: missing its xsi:type (e.g. sf:Account)',
    );
    expect(refusal(SAMPLE.replace('<sf:Id>0035e00000AbCdEAAZ</sf:Id>', '')).message).toBe(
      "notifications.Notification[1].sObject.Id: expected the record's Id (15 or 18 letters and digits)",
    );
    expect(
      refusal(SAMPLE.replace('<sf:Id>0035e00000AbCdEAAZ</sf:Id>', "<sf:Id>0035e00000AbCdE'--</sf:Id>")).message,
    ).toBe("notifications.Notification[1].sObject.Id: expected the record's Id (15 or 18 letters and digits)");
    expect(refusal(SAMPLE.replace('<Id>04l5e00000Gx7R0AAJ</Id>', '<Id>04l5e00000Gx7R0\u0001</Id>')).message).toBe(
      'notifications.Notification[1].Id: expected a Salesforce id of 15 or 18 letters and digits',
    );
    expect(
      refusal(SAMPLE.replace('<sf:LastName>Lovelace</sf:LastName>', '<sf:LastName><sf:x>1</sf:x></sf:LastName>'))
        .message,
    ).toBe('notifications.Notification[1].sObject.LastName: expected a single text value');
    expect(refusal(SAMPLE.replace(/<soapenv:Body>[\s\S]*<\/soapenv:Body>/, '<soapenv:Body/>')).message).toBe(
      'Envelope.Body: expected a notifications element',
    );
  });
});
