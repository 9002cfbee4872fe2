import { BadRequestException, Body, Controller, Get, HttpCode, Optional, Post, Query, Req } from '@nestjs/common';
import { Access, AppLogger, AuthenticatedRequest } from '@hub/runtime';
import type { Logger } from 'pino';
import { z } from 'zod';
import { DeadLetterReplayAudit } from './dead-letter-replay.audit';
import { DeadLetterSelectionError, DeadLetterStore, RECORD_POSITION, ReplaySelection } from './dead-letter.store';

/** A page of the listing holds this many entries unless asked for fewer or more (at most {@link MAX_PAGE}). */
export const DEFAULT_PAGE = 100;
export const MAX_PAGE = 500;
/** A replay names at most this many records; a larger selection is a reason or all. */
export const MAX_REPLAY_OFFSETS = 1_000;

const position = z.string().regex(RECORD_POSITION, 'expected partition:offset (e.g. 0:42)');
const reason = z.string().trim().min(1).max(200);

export const listQuery = z
  .object({
    reason: reason.optional(),
    limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(DEFAULT_PAGE),
    after: position.optional(),
  })
  .strict();

export const replayBody = z
  .object({
    offsets: z.array(position).min(1).max(MAX_REPLAY_OFFSETS).optional(),
    reason: reason.optional(),
    all: z.literal(true, { errorMap: () => ({ message: 'expected true (or leave all out)' }) }).optional(),
    why: z.string().trim().max(2_000).optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    const given = (['offsets', 'reason', 'all'] as const).filter((k) => b[k] !== undefined);
    if (given.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: `say what to replay with exactly one of offsets, reason or all (got ${given.join(', ') || 'none'})`,
      });
    }
  })
  .transform(({ why, ...s }) => ({
    why: why ? why : null,
    selection: (s.offsets
      ? { offsets: s.offsets }
      : s.reason
        ? { reason: s.reason }
        : { all: true }) as ReplaySelection,
  }));

/** The value, or a 400 naming each bad field (`offsets.0: expected partition:offset`). */
function parse<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, value: unknown, what: string): T {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  throw new BadRequestException(
    `${what}: ${result.error.issues.map((i) => `${i.path.join('.') || what.replace('bad ', '')} ${i.message}`).join('; ')}`,
  );
}

/**
 * `GET /dead-letters?reason=&limit=&after=` (viewer) answers a page of the app's parked records, by partition then
 * offset, with `next` (pass it as `after`) while more remain; `POST /dead-letters/replay` (operator) replays
 * `{ offsets: ["partition:offset", …] | reason | all: true, why? }` as the authenticated caller. With a
 * {@link DeadLetterReplayAudit}, each replay is in the audit trail: requested (refused if it cannot be recorded), then
 * one entry per replayed record.
 */
@Controller('dead-letters')
export class DeadLetterController {
  private readonly log: Logger;

  constructor(
    private readonly store: DeadLetterStore,
    log: AppLogger,
    @Optional() private readonly audit?: DeadLetterReplayAudit,
  ) {
    this.log = log.child({ component: 'dead-letters' });
  }

  @Get()
  @Access('viewer')
  async list(@Query() query: unknown) {
    const page = await this.store.list(parse(listQuery, query, 'bad query')).catch(badSelection);
    return {
      topic: this.store.topic,
      held: page.held,
      count: page.entries.length,
      entries: page.entries,
      next: page.next,
    };
  }

  @Post('replay')
  @HttpCode(201)
  @Access('operator')
  async replay(@Body() body: unknown, @Req() request: AuthenticatedRequest) {
    const { why, selection } = parse(replayBody, body, 'bad body');
    const base = { topic: this.store.topic, actor: request.caller!, why, selection };
    await this.audit?.replayed({ ...base, outcome: 'requested' });
    try {
      const replayed = await this.store.replay(selection);
      await this.audit?.replayed({ ...base, outcome: 'done', replayed });
      this.log.info({ caller: base.actor, selection, why, replayed: replayed.length }, 'dead letters replayed');
      return { replayed: replayed.length, entries: replayed };
    } catch (error) {
      await this.audit?.replayed({ ...base, outcome: 'failed', error: (error as Error).message });
      return badSelection(error);
    }
  }
}

/** A selection or cursor naming no record is the caller's mistake: 400 with the field. */
function badSelection(error: unknown): never {
  if (error instanceof DeadLetterSelectionError) throw new BadRequestException(error.message);
  throw error;
}
