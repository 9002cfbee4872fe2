import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import type { Response } from 'express';
import type { ConsoleRequest } from '../auth/console-auth.guard';
import { AuditClient } from '../upstream/audit.client';
import { UpstreamError } from '../upstream/upstream.errors';
import { send } from './exceptions.controller';
import { HistoryQuery, recordHistoryPage } from './record-history.page';

/** Where Jaeger's UI is: the history page links each entry's trace there. */
export abstract class JaegerUi {
  abstract readonly url: string;
}

/**
 * A record's history from the audit trail (projector-odoo's audit API), for viewers and operators alike: the trail
 * holds field names and hashes, never values, so it shows no personal data.
 */
@Controller('history')
export class RecordHistoryController {
  constructor(
    private readonly audit: AuditClient,
    private readonly jaeger: JaegerUi,
  ) {}

  @Get()
  async show(@Req() req: ConsoleRequest, @Res() res: Response, @Query() raw: Record<string, unknown>) {
    const query: HistoryQuery = {
      by: raw.by === 'canonicalId' ? 'canonicalId' : 'recordId',
      id: typeof raw.id === 'string' && raw.id.trim() ? raw.id.trim().slice(0, 200) : undefined,
      after: typeof raw.after === 'string' && /^\d{1,18}$/.test(raw.after) ? raw.after : undefined,
    };
    if (!query.id) return send(res, req, 'Record history', recordHistoryPage(query, undefined, this.jaeger.url));
    try {
      const page = await this.audit.find({ [query.by]: query.id, after: query.after });
      send(res, req, `History of ${query.id}`, recordHistoryPage(query, page, this.jaeger.url));
    } catch (error) {
      if (!(error instanceof UpstreamError)) throw error;
      req.session!.flash = { kind: 'error', text: error.message };
      send(res, req, 'Record history', recordHistoryPage(query, undefined, this.jaeger.url));
    }
  }
}
