import { BadRequestException, Body, Controller, Get, Post, Query } from '@nestjs/common';
import { DeadLetterStore, ReplaySelection } from './dead-letter.store';

/** `GET /dead-letters?reason=&limit=` lists the app's parked records; `POST /dead-letters/replay` replays a selection. */
@Controller('dead-letters')
export class DeadLetterController {
  constructor(private readonly store: DeadLetterStore) {}

  @Get()
  async list(@Query('reason') reason?: string, @Query('limit') limit?: string) {
    const entries = await this.store.list({ reason, limit: limit ? Number(limit) : undefined });
    return { topic: this.store.topic, count: entries.length, entries };
  }

  @Post('replay')
  async replay(@Body() body: ReplaySelection) {
    try {
      const replayed = await this.store.replay(body ?? {});
      return { replayed: replayed.length, entries: replayed };
    } catch (error) {
      if (error instanceof RangeError) throw new BadRequestException(error.message);
      throw error;
    }
  }
}
