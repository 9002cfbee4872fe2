import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query, Req, Res } from '@nestjs/common';
import { AppLogger } from '@hub/runtime';
import type { Response } from 'express';
import { ConsoleRequest, OperatorAction } from '../auth/console-auth.guard';
import { UpstreamError } from '../upstream/upstream.errors';
import { WorkQueueClient } from '../upstream/work-queue.client';
import { AGES, AgeFilter, exceptionPage, exceptionsPage, QueueFilter } from './exceptions.page';
import { layout } from './layout';

const STATUSES = ['open', 'resolved', 'discarded'] as const;

/** The order desk's work queue (projector-odoo's API): list and filter, show, retry, discard with a reason. */
@Controller()
export class ExceptionsController {
  constructor(
    private readonly queue: WorkQueueClient,
    private readonly log: AppLogger,
  ) {}

  @Get()
  home(@Res() res: Response) {
    res.redirect(303, '/exceptions');
  }

  @Get('exceptions')
  async list(@Req() req: ConsoleRequest, @Res() res: Response, @Query() query: Record<string, unknown>) {
    const filter: QueueFilter = {
      status: STATUSES.find((s) => s === query.status) ?? 'open',
      kind: typeof query.kind === 'string' && query.kind ? query.kind : undefined,
      age: (Object.keys(AGES) as AgeFilter[]).find((a) => a === query.age) ?? 'any',
      text: typeof query.text === 'string' && query.text.trim() ? query.text.trim().slice(0, 200) : undefined,
    };
    const all = await this.queue.list({ status: filter.status });
    send(res, req, 'Exception queue', exceptionsPage(all, filter));
  }

  @Get('exceptions/:id')
  async show(@Req() req: ConsoleRequest, @Res() res: Response, @Param('id', new ParseUUIDPipe()) id: string) {
    const exception = await this.queue.show(id);
    send(res, req, `Exception of order ${exception.salesforceOrderId}`, exceptionPage(exception, req.session!));
  }

  @Post('exceptions/:id/retry')
  @OperatorAction()
  async retry(@Req() req: ConsoleRequest, @Res() res: Response, @Param('id', new ParseUUIDPipe()) id: string) {
    const actor = req.session!.user.name;
    try {
      const { outcome } = await this.queue.retry(id, actor);
      this.log.info({ audit: { action: 'exception.retry', actor, exception: id, outcome: outcome.status } }, 'retried');
      req.session!.flash =
        outcome.status === 'confirmed' && 'name' in outcome
          ? { kind: 'ok', text: `Order confirmed in Odoo as ${outcome.name}.` }
          : 'exception' in outcome
            ? { kind: 'error', text: `Still an exception: ${outcome.exception.reason}` }
            : { kind: 'ok', text: `Retried: ${outcome.status}.` };
    } catch (error) {
      if (!(error instanceof UpstreamError)) throw error;
      req.session!.flash = { kind: 'error', text: error.message };
    }
    res.redirect(303, `/exceptions/${id}`);
  }

  @Post('exceptions/:id/discard')
  @OperatorAction()
  async discard(
    @Req() req: ConsoleRequest,
    @Res() res: Response,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body('reason') reason: unknown,
  ) {
    const actor = req.session!.user.name;
    try {
      await this.queue.discard(id, actor, typeof reason === 'string' ? reason : '');
      this.log.info({ audit: { action: 'exception.discard', actor, exception: id } }, 'discarded');
      req.session!.flash = { kind: 'ok', text: 'Exception discarded.' };
    } catch (error) {
      if (!(error instanceof UpstreamError)) throw error;
      req.session!.flash = { kind: 'error', text: error.message };
    }
    res.redirect(303, `/exceptions/${id}`);
  }
}

/** Sends a page with the session's flash, which is then spent. */
export function send(res: Response, req: ConsoleRequest, title: string, body: Parameters<typeof layout>[1]): void {
  const flash = req.session?.flash;
  if (req.session) req.session.flash = undefined;
  res.type('html').send(layout({ title, session: req.session, flash }, body).value);
}
