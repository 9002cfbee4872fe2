import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { ReadinessChecks } from '../nest/tokens';
import { Access } from '../nest/operator-auth.guard';

/**
 * `/health/live`: the process and its event loop answer (Kubernetes restarts the pod otherwise).
 * `/health/ready`: the app's dependencies answer (Kafka, the registry, its consumer), so it can do its job.
 */
@Access('open')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly readiness: ReadinessChecks,
  ) {}

  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([...this.readiness.checks]);
  }
}
