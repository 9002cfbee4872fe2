import { BadRequestException, Body, Controller, Get, Headers, Optional, Post, Query } from '@nestjs/common';
import { DeadLetterReplayAudit } from './dead-letter-replay.audit';
import { DeadLetterStore, ReplaySelection } from './dead-letter.store';

/** The header naming who asks for a replay (as the work queue's console token does); a plain short token. */
const ACTOR_HEADER = 'x-hub-actor';
const SANE_ACTOR = /^[\w.@:-]{1,80}$/;

/**
 * `GET /dead-letters?reason=&limit=` lists the app's parked records; `POST /dead-letters/replay` replays a selection
 * (`{ offsets | reason | all, why? }`, who in `X-Hub-Actor`). With a {@link DeadLetterReplayAudit}, each replay is in
 * the audit trail: requested (refused if it cannot be recorded), then one entry per replayed record.
 */
@Controller('dead-letters')
export class DeadLetterController {
  constructor(
    private readonly store: DeadLetterStore,
    @Optional() private readonly audit?: DeadLetterReplayAudit,
  ) {}

  @Get()
  async list(@Query('reason') reason?: string, @Query('limit') limit?: string) {
    const entries = await this.store.list({ reason, limit: limit ? Number(limit) : undefined });
    return { topic: this.store.topic, count: entries.length, entries };
  }

  @Post('replay')
  async replay(
    @Body() body: (ReplaySelection & { why?: unknown }) | undefined,
    @Headers(ACTOR_HEADER) actorHeader?: string,
  ) {
    const { why: rawWhy, ...selection } = body ?? {};
    if (rawWhy !== undefined && (typeof rawWhy !== 'string' || rawWhy.length > 2_000)) {
      throw new BadRequestException('why must be a text of at most 2000 characters');
    }
    if (actorHeader !== undefined && !SANE_ACTOR.test(actorHeader)) {
      throw new BadRequestException(`${ACTOR_HEADER} must be a name of letters, digits, . _ @ : or -`);
    }
    const base = {
      topic: this.store.topic,
      actor: actorHeader ?? 'anonymous',
      why: typeof rawWhy === 'string' && rawWhy.trim() ? rawWhy.trim() : null,
      selection,
    };
    await this.audit?.replayed({ ...base, outcome: 'requested' });
    try {
      const replayed = await this.store.replay(selection);
      await this.audit?.replayed({ ...base, outcome: 'done', replayed });
      return { replayed: replayed.length, entries: replayed };
    } catch (error) {
      await this.audit?.replayed({ ...base, outcome: 'failed', error: (error as Error).message });
      if (error instanceof RangeError) throw new BadRequestException(error.message);
      throw error;
    }
  }
}
