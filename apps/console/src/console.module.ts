import { DynamicModule, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { AppLogger, HubMetrics } from '@hub/runtime';
import type { Logger } from 'pino';
import { ConsoleAuthGuard, CookieSettings } from './auth/console-auth.guard';
import { ConsoleUsers } from './auth/console-users';
import { SessionStore } from './auth/session.store';
import { SignInThrottle } from './auth/sign-in-throttle';
import { SignInController } from './auth/sign-in.controller';
import type { ConsoleConfig } from './config';
import { AssetsController } from './pages/assets.controller';
import { ConsoleErrorsFilter } from './pages/console-errors.filter';
import { ConsoleHealthController } from './pages/console-health.controller';
import { ConsoleMetricsController } from './pages/console-metrics.controller';
import { DeadLettersController } from './pages/dead-letters.controller';
import { ExceptionsController } from './pages/exceptions.controller';
import { HealthPageController } from './pages/health.controller';
import { PipelineController } from './pages/pipeline.controller';
import { JaegerUi, RecordHistoryController } from './pages/record-history.controller';
import { securityHeaders } from './pages/security-headers';
import { AuditClient } from './upstream/audit.client';
import { HubServicesClient } from './upstream/hub-services.client';
import { WorkQueueClient } from './upstream/work-queue.client';

/**
 * The operations console: server-rendered pages over the HTTP APIs the other apps expose (projector-odoo's work
 * queue and audit trail, each app's dead letters, readiness and metrics). Wiring only; it keeps no state but its sessions.
 */
@Module({})
export class ConsoleModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(securityHeaders).forRoutes('*');
  }

  static forRoot(config: ConsoleConfig, log: Logger): DynamicModule {
    const sessions = new SessionStore(config.CONSOLE_SESSION_SECRET, {
      idleMs: config.CONSOLE_SESSION_IDLE_MS,
      maxMs: config.CONSOLE_SESSION_MAX_MS,
    });
    const metrics = new HubMetrics('console');
    metrics.gauge('hub_console_sessions', 'Console sessions held in memory: signed in, or a sign-in form.', [], (set) =>
      set({}, sessions.size),
    );
    return {
      module: ConsoleModule,
      controllers: [
        ConsoleHealthController,
        ConsoleMetricsController,
        AssetsController,
        SignInController,
        ExceptionsController,
        DeadLettersController,
        PipelineController,
        HealthPageController,
        RecordHistoryController,
      ],
      providers: [
        { provide: AppLogger, useValue: log },
        { provide: SessionStore, useValue: sessions },
        {
          provide: SignInThrottle,
          useValue: new SignInThrottle({
            maxFailuresPerUser: config.CONSOLE_SIGNIN_MAX_FAILURES,
            lockoutMs: config.CONSOLE_SIGNIN_LOCKOUT_MS,
            maxFailuresPerAddressPerDay: config.CONSOLE_SIGNIN_MAX_FAILURES_PER_ADDRESS,
          }),
        },
        { provide: HubMetrics, useValue: metrics },
        { provide: ConsoleUsers, useValue: { users: config.CONSOLE_USERS } },
        {
          provide: CookieSettings,
          useValue: { secure: config.CONSOLE_COOKIE_SECURE, maxMs: config.CONSOLE_SESSION_MAX_MS },
        },
        {
          provide: WorkQueueClient,
          useValue: new WorkQueueClient(
            config.PROJECTOR_ODOO_URL,
            config.CONSOLE_OPERATOR_TOKEN,
            config.CONSOLE_REQUEST_TIMEOUT_MS,
          ),
        },
        {
          provide: AuditClient,
          useValue: new AuditClient(
            config.PROJECTOR_ODOO_URL,
            config.CONSOLE_OPERATOR_TOKEN,
            config.CONSOLE_REQUEST_TIMEOUT_MS,
          ),
        },
        { provide: JaegerUi, useValue: { url: config.JAEGER_UI_URL } },
        {
          provide: HubServicesClient,
          useValue: new HubServicesClient(
            config.HUB_SERVICES,
            config.CONSOLE_OPERATOR_TOKEN,
            config.CONSOLE_REQUEST_TIMEOUT_MS,
          ),
        },
        { provide: APP_GUARD, useClass: ConsoleAuthGuard },
        { provide: APP_FILTER, useValue: new ConsoleErrorsFilter(log.child({ component: 'pages' })) },
      ],
    };
  }
}
