import { BadRequestException, Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { Access, AppLogger, AuthenticatedRequest } from '@hub/runtime';
import { z } from 'zod';
import { AggregateRepairService, REPAIRABLE_ENTITIES, RepairableEntity } from './aggregate-repair.service';

const entity = z.enum(REPAIRABLE_ENTITIES as [RepairableEntity, ...RepairableEntity[]]);
const odooId = z.number().int().positive();
const readBody = z
  .object({
    entity,
    sinceMs: z.number().int().min(0).optional(),
    ids: z.array(odooId).max(1_000).optional(),
    afterId: z.number().int().min(0).default(0),
    limit: z.number().int().min(1).max(1_000).default(200),
  })
  .strict()
  .refine((b) => b.sinceMs !== undefined || b.ids !== undefined, 'give sinceMs or ids');
const republishBody = z
  .object({
    entity,
    marker: z.string().regex(/^[\w.:-]{1,100}$/, 'expected a pass id of letters, digits, . _ : -'),
    items: z
      .array(z.object({ odooId, atLeastPosition: z.number().int().min(0).optional() }).strict())
      .min(1)
      .max(1_000),
  })
  .strict();

function parse<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, value: unknown): T {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  throw new BadRequestException(
    `bad request: ${result.error.issues.map((i) => `${i.path.join('.') || 'body'} ${i.message}`).join('; ')}`,
  );
}

/**
 * The reconciler's access to the source of record (projector-salesforce's reconcile mode calls it): the current
 * canonical aggregates, and their re-publication through the canonical topics, the projectors' normal path. Callers
 * need an operator's token of HUB_OPERATOR_TOKENS: reading hands out whole aggregates (personal data), and it is a
 * step of a repair.
 */
@Controller('aggregates')
@Access('operator')
export class AggregateRepairController {
  constructor(
    private readonly repair: AggregateRepairService,
    private readonly log: AppLogger,
  ) {}

  @Post('read')
  @HttpCode(200)
  read(@Body() body: unknown) {
    const { entity: e, ...query } = parse(readBody, body);
    return this.repair.read(e, query);
  }

  @Post('republish')
  @HttpCode(200)
  async republish(@Body() body: unknown, @Req() request: AuthenticatedRequest) {
    const { entity: e, items, marker } = parse(republishBody, body);
    const result = await this.repair.republish(e, items, marker);
    this.log.info({ caller: request.caller, entity: e, marker, ...result }, 'aggregates re-published for repair');
    return result;
  }
}
