import {
  BadRequestException,
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Post,
  Query,
  Req,
  ServiceUnavailableException,
} from '@nestjs/common';
import { Access, AuthenticatedRequest } from '@hub/runtime';
import { z } from 'zod';
import { parseDuration, RECONCILE_ALIASES, RECONCILE_ENTITY_NAMES, reconcileEntityOf } from './reconcile.entities';
import { ReconcilerService } from './reconciler.service';

const entity = z.string().transform((name, ctx) => {
  const e = reconcileEntityOf(name);
  if (!e) {
    ctx.addIssue({
      code: 'custom',
      message: `unknown entity "${name}" (expected one of ${[...RECONCILE_ENTITY_NAMES, ...RECONCILE_ALIASES].join(', ')})`,
    });
    return z.NEVER;
  }
  return e;
});
/** `since`: a duration back from now (`24h`) or an ISO 8601 instant. */
const since = z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms !== undefined) return Date.now() - ms;
  const at = /^\d{4}-\d\d-\d\dT/.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(at)) {
    ctx.addIssue({
      code: 'custom',
      message: `malformed window "${text}" (expected e.g. 30m, 24h, 7d or an ISO 8601 instant)`,
    });
    return z.NEVER;
  }
  return at;
});
const runBody = z.object({ entity, since, repair: z.boolean().default(true) }).strict();
const reportsQuery = z.object({ entity: entity.optional() }).strict();

function parse<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, value: unknown): T {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  throw new BadRequestException(
    `bad request: ${result.error.issues.map((i) => `${i.path.join('.') || 'body'} ${i.message}`).join('; ')}`,
  );
}

/**
 * Reconciliation on demand: POST runs a pass (after any running one) and answers its report; GET lists the recent
 * reports. A pass needs an operator's token, the reports a viewer's (HUB_OPERATOR_TOKENS); each pass records its
 * caller.
 */
@Controller('reconcile')
export class ReconcileController {
  constructor(@Inject(ReconcilerService) private readonly reconciler: ReconcilerService | null) {}

  @Post()
  @HttpCode(200)
  @Access('operator')
  run(@Body() body: unknown, @Req() request: AuthenticatedRequest) {
    const { entity: e, since: sinceMs, repair } = parse(runBody, body);
    return this.enabled().run({ entity: e, sinceMs, repair, trigger: 'api', caller: request.caller });
  }

  @Get('reports')
  @Access('viewer')
  reports(@Query() query: unknown) {
    const { entity: e } = parse(reportsQuery, query);
    return { reports: this.enabled().recent(e) };
  }

  private enabled(): ReconcilerService {
    if (!this.reconciler) throw new ServiceUnavailableException('reconciliation is not configured: set ODOO_CDC_URL');
    return this.reconciler;
  }
}
