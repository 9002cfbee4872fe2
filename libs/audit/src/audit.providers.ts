import type { Provider } from '@nestjs/common';
import { AppLogger, HubDatabase } from '@hub/runtime';
import type { Logger } from 'pino';
import { AuditRecorder } from './audit-recorder';
import { DeadLetterReplayTrail } from './dead-letter-replay.trail';
import { AuditRetention } from './audit-retention';
import { PgAuditTrail } from './audit-trail.repository';
import { FieldHasher } from './field-hasher';

/**
 * The recorder an app writes the trail through, and the dead-letter replays' trail (bind it to libs/resilience's
 * DeadLetterReplayAudit with `useExisting`). Needs HubDatabase and AppLogger among the app's providers.
 */
export function auditRecorderProviders(app: string, config: { AUDIT_HASH_KEY: string }): Provider[] {
  return [
    { provide: PgAuditTrail, inject: [HubDatabase], useFactory: (db: HubDatabase) => new PgAuditTrail(db) },
    {
      provide: AuditRecorder,
      inject: [PgAuditTrail],
      useFactory: (trail: PgAuditTrail) => new AuditRecorder(trail, new FieldHasher(config.AUDIT_HASH_KEY), app),
    },
    {
      provide: DeadLetterReplayTrail,
      inject: [AuditRecorder, AppLogger],
      useFactory: (recorder: AuditRecorder, log: Logger) =>
        new DeadLetterReplayTrail(recorder, log.child({ component: 'audit' })),
    },
  ];
}

/**
 * The above, plus the retention purge: for the app that mounts AuditController (whose callers the app's operator
 * guard checks: a viewer token reads the trail).
 */
export function auditServingProviders(
  app: string,
  config: {
    AUDIT_HASH_KEY: string;
    AUDIT_RETENTION_DAYS: number;
    AUDIT_PURGE_INTERVAL_MS: number;
  },
): Provider[] {
  return [
    ...auditRecorderProviders(app, config),
    {
      provide: AuditRetention,
      inject: [PgAuditTrail, AppLogger],
      useFactory: (trail: PgAuditTrail, log: Logger) =>
        new AuditRetention(
          trail,
          { retentionDays: config.AUDIT_RETENTION_DAYS, intervalMs: config.AUDIT_PURGE_INTERVAL_MS },
          log.child({ component: 'audit-retention' }),
        ),
    },
  ];
}
