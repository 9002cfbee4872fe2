import {
  BadRequestException,
  Body,
  ConflictException,
  Controller,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Req,
  ServiceUnavailableException,
} from '@nestjs/common';
import { Access, AuthenticatedRequest } from '@hub/runtime';
import { TransientError } from '@hub/resilience';
import { z } from 'zod';
import { EXCEPTION_KINDS } from '../orders/order-rules';
import { WorkQueueService } from './work-queue.service';

const listQuery = z.object({
  status: z.enum(['open', 'resolved', 'discarded']).optional(),
  kind: z.enum(EXCEPTION_KINDS).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
const discardBody = z.object({ reason: z.string().trim().min(3, 'say why the order is discarded').max(2_000) });
/** A retry's reason is optional: without one, the trail records the exception it retries as the why. */
const retryBody = z.object({ reason: z.string().trim().min(3, 'say why, or leave reason out').max(2_000).optional() });

function parse<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, value: unknown, what: string): T {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  throw new BadRequestException(
    `${what}: ${result.error.issues.map((i) => `${i.path.join('.') || 'body'} ${i.message}`).join('; ')}`,
  );
}

/**
 * The work queue of order exceptions, for the order desk: list, show (with the whole context and every action),
 * retry after remediation, discard with a reason. Reading needs a viewer's token, acting an operator's (the app's
 * operator guard, HUB_OPERATOR_TOKENS); every action is recorded with its caller's name.
 */
@Controller('work-queue/exceptions')
@Access('viewer')
export class WorkQueueController {
  constructor(private readonly queue: WorkQueueService) {}

  @Get()
  async list(@Query() query: unknown) {
    const filter = parse(listQuery, query, 'bad query');
    const exceptions = await this.queue.list(filter);
    return { count: exceptions.length, exceptions };
  }

  @Get(':id')
  async show(@Param('id', new ParseUUIDPipe()) id: string) {
    const found = await this.queue.show(id);
    if (!found) throw new NotFoundException(`no exception ${id}`);
    return found;
  }

  @Post(':id/retry')
  @Access('operator')
  @HttpCode(200)
  async retry(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: unknown,
    @Req() request: AuthenticatedRequest,
  ) {
    const { reason } = parse(retryBody, body, 'bad body');
    const result = await this.queue.retry(id, request.caller!, reason).catch((error: unknown) => {
      // Odoo down or busy: nothing changed, the operator may retry later (the exception stays open).
      if (error instanceof TransientError)
        throw new ServiceUnavailableException(`Odoo is unavailable: ${error.message}`);
      throw error;
    });
    if (result === 'not-found') throw new NotFoundException(`no exception ${id}`);
    if (result === 'closed') throw new ConflictException(`exception ${id} is not open`);
    return result;
  }

  @Post(':id/discard')
  @Access('operator')
  @HttpCode(200)
  async discard(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: unknown,
    @Req() request: AuthenticatedRequest,
  ) {
    const { reason } = parse(discardBody, body, 'bad body');
    const result = await this.queue.discard(id, request.caller!, reason);
    if (result === 'not-found') throw new NotFoundException(`no exception ${id}`);
    if (result === 'closed') throw new ConflictException(`exception ${id} is not open`);
    return result;
  }
}
