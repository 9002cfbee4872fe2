import { Controller, Get, Req, Res } from '@nestjs/common';
import type { Response } from 'express';
import type { ConsoleRequest } from '../auth/console-auth.guard';
import { HubServicesClient } from '../upstream/hub-services.client';
import { send } from './exceptions.controller';
import { pipelinePage } from './pipeline.page';

/** The pipeline at a glance: every service's `/health/ready` and `/metrics`, asked when the page is. */
@Controller('pipeline')
export class PipelineController {
  constructor(private readonly services: HubServicesClient) {}

  @Get()
  async show(@Req() req: ConsoleRequest, @Res() res: Response) {
    send(res, req, 'Pipeline', pipelinePage(await this.services.statuses()));
  }
}
