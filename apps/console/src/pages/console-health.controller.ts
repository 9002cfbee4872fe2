import { Controller, Get } from '@nestjs/common';
import { Public } from '../auth/console-auth.guard';

/**
 * `/health/live` and `/health/ready`: the console needs nothing but itself to serve its pages. An app it shows being
 * down is shown on the pipeline page, never a reason to restart the console.
 */
@Controller('health')
@Public()
export class ConsoleHealthController {
  @Get('live')
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  ready() {
    return { status: 'ok' };
  }
}
