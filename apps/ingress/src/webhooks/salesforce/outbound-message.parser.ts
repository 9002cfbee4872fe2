import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { ForbiddenWebhookError, MalformedWebhookError } from '../http/webhook.errors';

/** The namespace of the `notifications` element (Salesforce's outbound messaging WSDL). */
export const OUTBOUND_NAMESPACE = 'http://soap.sforce.com/2005/09/outbound';

/** The content types Salesforce's SOAP post may come with (it sends text/xml; charset=utf-8). */
export const SOAP_CONTENT_TYPES = ['text/xml', 'application/xml', 'application/soap+xml'];

/** At most this many `Notification` elements in one message (the WSDL's maxOccurs). */
export const MAX_NOTIFICATIONS = 100;

/**
 * The answer that acknowledges every notification of a message: Salesforce reads the `Ack`, not the HTTP status,
 * and keeps retrying (up to 24 h) any message not acknowledged so.
 */
export const OUTBOUND_ACK =
  '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>' +
  '<notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound"><Ack>true</Ack></notificationsResponse>' +
  '</soapenv:Body></soapenv:Envelope>';

/** One record change Salesforce notified: the record's selected fields at send time (not at trigger time). */
export interface OutboundNotification {
  /** The notification's `Id` (04l…): the same on every redelivery, the dedupe key. */
  notificationId: string;
  /** The sObject type, from `xsi:type` (`sf:Account` → `Account`). */
  objectType: string;
  /** The record's `Id` field. */
  recordId: string;
  /** Every field the outbound message selects, by API name (`Id` included); `xsi:nil` fields are null. */
  fields: Record<string, string | null>;
}

/** One Outbound Message (`notifications` element). */
export interface OutboundMessage {
  organizationId: string;
  actionId: string;
  /**
   * A live Salesforce session id when the outbound message is set to send one: a credential. Never logged, never
   * passed on; the hub does not call back into Salesforce with it.
   */
  sessionId: string | null;
  enterpriseUrl: string;
  partnerUrl: string;
  notifications: OutboundNotification[];
}

type XmlNode = Record<string, unknown>;

const ATTR = '@_';
const localName = (name: string) => name.slice(name.indexOf(':') + 1);
const prefixOf = (name: string) => (name.includes(':') ? name.slice(0, name.indexOf(':')) : '');
const isNode = (v: unknown): v is XmlNode => typeof v === 'object' && v !== null && !Array.isArray(v);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: ATTR,
  // Ids and field values stay text: "00123" is not a number, "true" not a boolean.
  parseTagValue: false,
  parseAttributeValue: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  isArray: (tagName) => localName(tagName) === 'Notification',
});

/** The element children of `node` whose local name is `name` (any prefix). */
function children(node: XmlNode, name: string): [string, unknown][] {
  return Object.entries(node).filter(([key]) => !key.startsWith(ATTR) && key !== '#text' && localName(key) === name);
}

function only(node: XmlNode, name: string, path: string): [string, unknown] {
  const found = children(node, name);
  if (found.length !== 1) {
    throw new MalformedWebhookError(`${path}.${name}: expected one element, found ${found.length}`);
  }
  return found[0];
}

/** The namespace URI of a prefixed (or unprefixed) name, from the `xmlns` declarations in scope (outer first). */
function namespaceOf(name: string, scopes: XmlNode[]): string | undefined {
  const prefix = prefixOf(name);
  const attribute = prefix ? `${ATTR}xmlns:${prefix}` : `${ATTR}xmlns`;
  let uri: string | undefined;
  for (const scope of scopes) if (typeof scope[attribute] === 'string') uri = scope[attribute] as string;
  return uri;
}

const isNil = (node: XmlNode) =>
  Object.entries(node).some(([key, value]) => key.startsWith(ATTR) && localName(key) === 'nil' && value === 'true');

/** A simple element's value: its text, '' when empty, null when `xsi:nil="true"`; anything else is refused. */
function scalar(value: unknown, path: string): string | null {
  if (typeof value === 'string') return value;
  if (isNode(value)) {
    if (isNil(value)) return null;
    const elements = Object.keys(value).filter((k) => !k.startsWith(ATTR) && k !== '#text');
    if (elements.length === 0) return typeof value['#text'] === 'string' ? value['#text'] : '';
  }
  throw new MalformedWebhookError(`${path}: expected a single text value`);
}

/** A Salesforce record or notification id: 15 (case-sensitive) or 18 letters and digits. */
const SALESFORCE_ID = /^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$/;

function required(node: XmlNode, name: string, path: string): string {
  const value = scalar(only(node, name, path)[1], `${path}.${name}`);
  if (!value) throw new MalformedWebhookError(`${path}.${name}: expected a value`);
  return value;
}

function readNotification(node: unknown, path: string): OutboundNotification {
  if (!isNode(node)) throw new MalformedWebhookError(`${path}: expected Id and sObject elements`);
  const notificationId = required(node, 'Id', path);
  if (!SALESFORCE_ID.test(notificationId)) {
    throw new MalformedWebhookError(`${path}.Id: expected a Salesforce id of 15 or 18 letters and digits`);
  }
  const [, sObject] = only(node, 'sObject', path);
  if (!isNode(sObject)) throw new MalformedWebhookError(`${path}.sObject: expected the record's fields`);
  const type = Object.entries(sObject).find(([key]) => key.startsWith(ATTR) && localName(key) === 'type')?.[1];
  if (typeof type !== 'string' || localName(type) === '') {
    throw new MalformedWebhookError(`${path}.sObject: missing its xsi:type (e.g. sf:Account)`);
  }
  const fields: Record<string, string | null> = {};
  for (const [key, value] of Object.entries(sObject)) {
    if (key.startsWith(ATTR) || key === '#text') continue;
    const field = localName(key);
    if (Array.isArray(value)) throw new MalformedWebhookError(`${path}.sObject.${field}: repeated field`);
    fields[field] = scalar(value, `${path}.sObject.${field}`);
  }
  const recordId = fields.Id;
  if (!recordId || !SALESFORCE_ID.test(recordId)) {
    throw new MalformedWebhookError(`${path}.sObject.Id: expected the record's Id (15 or 18 letters and digits)`);
  }
  return { notificationId, objectType: localName(type), recordId, fields };
}

/**
 * Reads a Salesforce Outbound Message (SOAP 1.1): `Envelope/Body/notifications` in {@link OUTBOUND_NAMESPACE},
 * with OrganizationId, ActionId, SessionId (nillable), EnterpriseUrl, PartnerUrl and 1 to 100 `Notification`s.
 * A message from another org than `expectedOrganizationId` is refused ({@link ForbiddenWebhookError}) as soon as
 * its OrganizationId is read, before its notifications are looked at; org ids compare on their case-sensitive
 * 15-character form, so the configured id may be the 15- or 18-character one. Anything malformed is refused with
 * {@link MalformedWebhookError} naming the element path (or the line and column of an XML error).
 */
export function parseOutboundMessage(xml: string, expectedOrganizationId: string): OutboundMessage {
  // SOAP messages carry no document type declaration; refusing one rules out entity expansion attacks.
  if (/<!DOCTYPE/i.test(xml)) throw new MalformedWebhookError('a SOAP message must not contain a DOCTYPE');
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    const { line, col, msg } = valid.err;
    throw new MalformedWebhookError(`malformed XML at line ${line}, column ${col}: ${msg}`);
  }
  let document: XmlNode;
  try {
    document = parser.parse(xml) as XmlNode;
  } catch (error) {
    // The validator lets some broken documents through that the parser then refuses (found by the fuzz test).
    throw new MalformedWebhookError(`malformed XML: ${(error as Error).message}`);
  }
  const [, envelope] = only(document, 'Envelope', '(document)');
  if (!isNode(envelope)) throw new MalformedWebhookError('Envelope: expected a SOAP Body');
  const [, body] = only(envelope, 'Body', 'Envelope');
  if (!isNode(body)) throw new MalformedWebhookError('Envelope.Body: expected a notifications element');
  const [notificationsName, notifications] = only(body, 'notifications', 'Envelope.Body');
  if (!isNode(notifications)) throw new MalformedWebhookError('notifications: expected its elements');
  const namespace = namespaceOf(notificationsName, [envelope, body, notifications]);
  if (namespace !== OUTBOUND_NAMESPACE) {
    throw new MalformedWebhookError(
      `notifications: expected namespace ${OUTBOUND_NAMESPACE}, found ${namespace ?? 'none'}`,
    );
  }

  const organizationId = required(notifications, 'OrganizationId', 'notifications');
  if (organizationId.slice(0, 15) !== expectedOrganizationId.slice(0, 15)) {
    throw new ForbiddenWebhookError(`outbound messages are accepted from one Salesforce org, not ${organizationId}`);
  }
  const list = children(notifications, 'Notification').flatMap(([, value]) => value as unknown[]);
  if (list.length === 0) throw new MalformedWebhookError('notifications.Notification: expected at least one');
  if (list.length > MAX_NOTIFICATIONS) {
    throw new MalformedWebhookError(
      `notifications.Notification: ${list.length} notifications, at most ${MAX_NOTIFICATIONS} in one message`,
    );
  }
  const sessionIds = children(notifications, 'SessionId');
  return {
    organizationId,
    actionId: required(notifications, 'ActionId', 'notifications'),
    sessionId: sessionIds.length ? scalar(sessionIds[0][1], 'notifications.SessionId') || null : null,
    enterpriseUrl: required(notifications, 'EnterpriseUrl', 'notifications'),
    partnerUrl: required(notifications, 'PartnerUrl', 'notifications'),
    notifications: list.map((node, index) => readNotification(node, `notifications.Notification[${index}]`)),
  };
}
