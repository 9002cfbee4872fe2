import { Controller, Get, Req, Res } from '@nestjs/common';
import type { Response } from 'express';
import type { ConsoleRequest } from '../auth/console-auth.guard';
import { HubServicesClient } from '../upstream/hub-services.client';
import { send } from './exceptions.controller';
import { healthPage } from './health.page';

/** Business health and pipeline status at a glance: every service's `/business-health`, readiness and metrics. */
@Controller('status')
export class HealthPageController {
  constructor(private readonly services: HubServicesClient) {}

  @Get()
  async show(@Req() req: ConsoleRequest, @Res() res: Response) {
    const [health, statuses] = await Promise.all([this.services.businessHealth(), this.services.statuses()]);
    send(res, req, 'Health', healthPage(health, statuses));
  }
}
