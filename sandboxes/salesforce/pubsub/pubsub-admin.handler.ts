import { jsonResponse, noContent, type SandboxResponse } from '../http.helpers';
import type { CommitContext, RecordStore } from '../record.store';
import { formatDateTime } from '../sobject-dml.service';
import { toCaseSafeId } from '../record-id';
import type { ChangeEventSchemas } from './change-event.schema';
import { GAP_CHANGE_TYPES, type ChangeCapture, type GapChangeType } from './change-capture.service';
import { decodePayload, type EventBus } from './event-bus';
import type { PubSubApi } from './pubsub-api.server';
import { parseFailure, parseStreamFaults, type StreamFaults } from './stream.faults';

export interface PubSubAdminDeps {
  bus: EventBus;
  capture: ChangeCapture;
  schemas: ChangeEventSchemas;
  faults: StreamFaults;
  store: RecordStore;
  /** The running gRPC server; undefined when the sandbox was started without one. */
  api(): PubSubApi | undefined;
  /** Who gap events are attributed to by default. */
  personCommit(): CommitContext;
}

function parse(body: string): unknown {
  if (body.trim() === '') return {};
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

function badRequest(error: string, details?: string[]): SandboxResponse {
  return jsonResponse(400, details ? { error, details } : { error });
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * The test-control API of the Pub/Sub API and its event bus, under `/__admin/pubsub` (not part of Salesforce):
 *
 * - `GET /` endpoint, channels, replay ids (latest, purged through), retained events, retention, streams, counters
 * - `GET /certificate` the gRPC server's self-signed certificate (PEM), for clients to trust
 * - `GET /events[?topic=/data/AccountChangeEvent]` the retained events, decoded (bitmaps as names too)
 * - `DELETE /events` purge every event, as if the retention window had passed
 * - `POST /retention` `{seconds?, maxEvents?}` change the retention and purge now
 * - `POST /gaps` `{changeType, entityName?, recordIds?, commitUser?, changeOrigin?, set?}` append a gap event (after
 *   writing `set` into the records without a change event, as a job changing the database directly would)
 * - `GET|POST|DELETE /faults` `{refuseSubscribes?, closeAfterEvents?, status?: {code, errorCode, message}}`
 * - `POST /streams/close` `{topic?, status?}` end open Subscribe streams now with a status
 */
export class PubSubAdmin {
  constructor(private readonly deps: PubSubAdminDeps) {}

  handle(method: string, path: string[], body: string, query = new URLSearchParams()): SandboxResponse {
    switch (`${method} ${path.join('/')}`) {
      case 'GET ':
        return jsonResponse(200, this.info());
      case 'GET certificate': {
        const api = this.deps.api();
        if (!api) return jsonResponse(404, { error: 'the Pub/Sub API is not running' });
        return { status: 200, text: api.certificatePem };
      }
      case 'GET events':
        return jsonResponse(200, this.events(query.get('topic') ?? undefined));
      case 'DELETE events':
        this.deps.bus.clear();
        return noContent();
      case 'POST retention':
        return this.setRetention(body);
      case 'POST gaps':
        return this.gap(body);
      case 'GET faults':
        return jsonResponse(200, this.deps.faults.config);
      case 'POST faults': {
        const parsed = parseStreamFaults(parse(body));
        if ('errors' in parsed) return badRequest('invalid Pub/Sub fault configuration', parsed.errors);
        this.deps.faults.set(parsed.config);
        return jsonResponse(200, parsed.config);
      }
      case 'DELETE faults':
        this.deps.faults.clear();
        return noContent();
      case 'POST streams/close':
        return this.closeStreams(body);
      default:
        return jsonResponse(404, { error: 'not found' });
    }
  }

  private info() {
    const { bus } = this.deps;
    const api = this.deps.api();
    return {
      endpoint: api?.endpoint ?? null,
      port: api?.port ?? null,
      topics: api?.topicNames() ?? [],
      latestReplayId: bus.latestReplayId,
      purgedThroughReplayId: bus.purgedThroughReplayId,
      retainedEvents: bus.size,
      retention: { seconds: bus.settings.retentionMs / 1000, maxEvents: bus.settings.maxEvents },
      openStreams: api?.openStreams ?? 0,
      eventsPublished: bus.published,
      ...(api ? api.stats : {}),
    };
  }

  private events(topic: string | undefined) {
    return this.deps.bus
      .retained()
      .filter((e) => topic === undefined || topic === '/data/ChangeEvents' || e.schema.topic === topic)
      .map((e) => {
        const { ChangeEventHeader: header, ...fields } = decodePayload(e);
        return {
          replayId: e.replayId,
          eventUuid: e.eventUuid,
          schemaId: e.schema.schemaId,
          topic: e.schema.topic,
          header: {
            ...header,
            changedFieldNames: e.schema.fieldNames(header.changedFields),
            nulledFieldNames: e.schema.fieldNames(header.nulledFields),
          },
          payload: fields,
        };
      });
  }

  private setRetention(body: string): SandboxResponse {
    const input = parse(body);
    if (!isObject(input)) return badRequest('body must be a JSON object {seconds?, maxEvents?}');
    const errors: string[] = [];
    const settings: { retentionMs?: number; maxEvents?: number } = {};
    if (input['seconds'] !== undefined) {
      const s = input['seconds'];
      if (typeof s === 'number' && Number.isFinite(s) && s >= 0) settings.retentionMs = s * 1000;
      else errors.push('seconds must be a number ≥ 0');
    }
    if (input['maxEvents'] !== undefined) {
      const n = input['maxEvents'];
      if (typeof n === 'number' && Number.isInteger(n) && n >= 0) settings.maxEvents = n;
      else errors.push('maxEvents must be an integer ≥ 0');
    }
    if (errors.length) return badRequest('invalid retention', errors);
    const applied = this.deps.bus.setRetention(settings);
    return jsonResponse(200, { seconds: applied.retentionMs / 1000, maxEvents: applied.maxEvents });
  }

  private gap(body: string): SandboxResponse {
    const input = parse(body);
    if (!isObject(input)) return badRequest('body must be a JSON object {changeType, entityName?, recordIds?}');
    const changeType = input['changeType'];
    if (!GAP_CHANGE_TYPES.includes(changeType as GapChangeType)) {
      return badRequest(`changeType must be one of ${GAP_CHANGE_TYPES.join(', ')}`);
    }
    const rawIds = input['recordIds'] ?? [];
    if (!Array.isArray(rawIds) || rawIds.some((id) => typeof id !== 'string')) {
      return badRequest('recordIds must be an array of record ids');
    }
    const ids = (rawIds as string[]).map((raw) => toCaseSafeId(raw) ?? raw);
    const entity = input['entityName'] ?? (ids[0] ? this.deps.store.get(ids[0])?.type : undefined);
    const schema = typeof entity === 'string' ? this.deps.schemas.forObject(entity) : undefined;
    if (!schema) return badRequest('entityName must name an object of the catalogue (or recordIds a stored record)');
    if (changeType !== 'GAP_OVERFLOW' && ids.length === 0) return badRequest(`${changeType} needs recordIds`);
    const foreign = ids.filter((id) => !id.startsWith(schema.object.keyPrefix));
    if (foreign.length) return badRequest(`not ${schema.object.name} ids: ${foreign.join(', ')}`);
    // `set`: field values written straight into the records first, the way an archiving or cleanup job changes data
    // in the database: no change event but the gap event itself (as Salesforce documents for such changes).
    const set = input['set'];
    if (set !== undefined) {
      const values = isObject(set) ? Object.entries(set) : undefined;
      if (!values || values.some(([, v]) => v !== null && !['string', 'number', 'boolean'].includes(typeof v))) {
        return badRequest('set must be an object of field values (text, number, boolean or null)');
      }
      const missing = ids.filter((id) => !this.deps.store.get(id));
      if (missing.length) return badRequest(`set needs stored records: ${missing.join(', ')} not found`);
      const now = formatDateTime(new Date());
      const tx = this.deps.store.begin(null);
      for (const id of ids) {
        const record = this.deps.store.get(id)!;
        tx.put({
          ...record,
          values: { ...record.values, ...Object.fromEntries(values), LastModifiedDate: now, SystemModstamp: now },
        });
      }
      tx.commit();
    }
    const person = this.deps.personCommit();
    const commitUser = typeof input['commitUser'] === 'string' ? input['commitUser'] : person.userId;
    const changeOrigin = typeof input['changeOrigin'] === 'string' ? input['changeOrigin'] : person.changeOrigin;
    const event = this.deps.capture.gap(schema, changeType as GapChangeType, ids, { userId: commitUser, changeOrigin });
    const { ChangeEventHeader: header } = decodePayload(event);
    return jsonResponse(200, { replayId: event.replayId, eventUuid: event.eventUuid, header });
  }

  private closeStreams(body: string): SandboxResponse {
    const input = parse(body);
    if (!isObject(input)) return badRequest('body must be a JSON object {topic?, status?}');
    const errors: string[] = [];
    const failure = parseFailure(input['status'], errors);
    const topic = input['topic'];
    if (topic !== undefined && typeof topic !== 'string') errors.push('topic must be a string');
    if (errors.length) return badRequest('invalid request', errors);
    const closed = this.deps.api()?.closeStreams(failure, topic as string | undefined) ?? 0;
    return jsonResponse(200, { closed });
  }
}
