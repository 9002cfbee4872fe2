import { BadRequestException, Controller, Get, Query } from '@nestjs/common';
import { Access } from '@hub/runtime';
import { AuditQueryError, parseAuditQuery } from './audit-query';
import { PgAuditTrail } from './audit-trail.repository';

/**
 * `GET /audit/entries?recordId=|canonicalId=|from=&to=[&limit=&after=]`: a page of the trail in time order, with
 * `next` (pass it as `after`) while more remain. Needs a viewer's token of the app's HUB_OPERATOR_TOKENS (checked by the
 * app's operator guard); a bad parameter is a 400 that names it.
 */
@Controller('audit')
@Access('viewer')
export class AuditController {
  constructor(private readonly trail: PgAuditTrail) {}

  @Get('entries')
  async entries(@Query() raw: Record<string, unknown>) {
    let query;
    try {
      query = parseAuditQuery(raw);
    } catch (error) {
      if (error instanceof AuditQueryError) {
        throw new BadRequestException({
          statusCode: 400,
          error: 'Bad Request',
          parameter: error.parameter,
          message: error.message,
        });
      }
      throw error;
    }
    const page = await this.trail.find(query);
    return { count: page.entries.length, entries: page.entries, next: page.next };
  }
}
