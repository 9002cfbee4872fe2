import { Body, Controller, Get, NotFoundException, Param, Post, Query, Req, Res } from '@nestjs/common';
import { AppLogger } from '@hub/runtime';
import type { Response } from 'express';
import { ConsoleRequest, OperatorAction } from '../auth/console-auth.guard';
import { HubServicesClient } from '../upstream/hub-services.client';
import { UpstreamError } from '../upstream/upstream.errors';
import { deadLetterServicesPage, deadLettersPage } from './dead-letters.page';
import { send } from './exceptions.controller';

/**
 * Dead letters per service (each app's own `/dead-letters` API, a page at a time): inspect, replay one, a reason or
 * all. Every call names the user (`X-Hub-Actor`), so the apps log and record `console:<user>`; a replay is also logged
 * here.
 */
@Controller('dead-letters')
export class DeadLettersController {
  constructor(
    private readonly services: HubServicesClient,
    private readonly log: AppLogger,
  ) {}

  @Get()
  async overview(@Req() req: ConsoleRequest, @Res() res: Response) {
    const counts = await Promise.all(
      [...this.services.services.keys()].map(async (service) => {
        try {
          const { held } = await this.services.deadLetters(service, req.session!.user.name, { limit: 1 });
          return { service, count: held };
        } catch (error) {
          if (!(error instanceof UpstreamError)) throw error;
          // An app that serves no /dead-letters (ingress): shown as such, not as a failure.
          return { service, problem: error.status === 404 ? 'serves no dead-letter API' : error.message };
        }
      }),
    );
    send(res, req, 'Dead letters', deadLetterServicesPage(counts));
  }

  @Get(':service')
  async list(
    @Req() req: ConsoleRequest,
    @Res() res: Response,
    @Param('service') service: string,
    @Query('reason') reason?: string,
    @Query('after') after?: string,
  ) {
    this.known(service);
    const page = await this.services.deadLetters(service, req.session!.user.name, {
      reason: reason || undefined,
      after: after || undefined,
    });
    send(res, req, `Dead letters of ${service}`, deadLettersPage(service, page, req.session!, reason || undefined));
  }

  @Post(':service/replay')
  @OperatorAction()
  async replay(
    @Req() req: ConsoleRequest,
    @Res() res: Response,
    @Param('service') service: string,
    @Body() body: Record<string, unknown>,
  ) {
    this.known(service);
    const actor = req.session!.user.name;
    const selection =
      body.all === 'true'
        ? ({ all: true } as const)
        : typeof body.offset === 'string' && /^\d+:\d+$/.test(body.offset)
          ? { offsets: [body.offset] }
          : typeof body.reason === 'string' && body.reason.trim()
            ? { reason: body.reason.trim() }
            : undefined;
    if (!selection) {
      req.session!.flash = {
        kind: 'error',
        text: 'Say what to replay: one record (partition:offset), a reason, or all.',
      };
      return res.redirect(303, `/dead-letters/${service}`);
    }
    try {
      const { replayed } = await this.services.replay(service, selection, actor);
      this.log.info(
        { audit: { action: 'dead-letter.replay', actor, service, selection, replayed } },
        'dead letters replayed',
      );
      req.session!.flash = { kind: 'ok', text: `${replayed} dead letter(s) of ${service} replayed.` };
    } catch (error) {
      if (!(error instanceof UpstreamError)) throw error;
      this.log.warn(
        { audit: { action: 'dead-letter.replay.failed', actor, service, selection, problem: error.message } },
        'dead-letter replay failed',
      );
      req.session!.flash = { kind: 'error', text: error.message };
    }
    res.redirect(303, `/dead-letters/${service}`);
  }

  private known(service: string): void {
    if (!this.services.services.has(service)) throw new NotFoundException(`no service ${service} in HUB_SERVICES`);
  }
}
