import { readFileSync } from 'node:fs';
import { Controller, Get, Header } from '@nestjs/common';
import { Public } from '../auth/console-auth.guard';
import { CONSOLE_CSS } from './console-css';

// Read once at start from the installed package: served by the console itself, no CDN, nothing fetched at run time.
const PICO = readFileSync(require.resolve('@picocss/pico/css/pico.classless.min.css'), 'utf8');

/** The console's two stylesheets: pico's classless sheet and its own few rules. */
@Controller('assets')
@Public()
export class AssetsController {
  @Get('pico.classless.min.css')
  @Header('Content-Type', 'text/css; charset=utf-8')
  @Header('Cache-Control', 'public, max-age=86400')
  pico(): string {
    return PICO;
  }

  @Get('console.css')
  @Header('Content-Type', 'text/css; charset=utf-8')
  @Header('Cache-Control', 'public, max-age=3600')
  console(): string {
    return CONSOLE_CSS;
  }
}
