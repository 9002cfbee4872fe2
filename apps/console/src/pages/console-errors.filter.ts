import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import type { Logger } from 'pino';
import type { Response } from 'express';
import type { ConsoleRequest } from '../auth/console-auth.guard';
import { SignInRequired } from '../auth/console-auth.guard';
import { UpstreamError } from '../upstream/upstream.errors';
import { html } from './html';
import { layout } from './layout';

/**
 * Every failure as a page: not signed in → the sign-in form (a page) or 401 (a form post); 403 and 404 with their
 * reason; another app's error (502, or its own 404) with what it said; anything else 500, logged, without detail.
 */
@Catch()
export class ConsoleErrorsFilter implements ExceptionFilter {
  constructor(private readonly log: Logger) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const req = host.switchToHttp().getRequest<ConsoleRequest>();
    const res = host.switchToHttp().getResponse<Response>();
    if (error instanceof SignInRequired && req.method === 'GET') {
      return res.redirect(303, `/sign-in?next=${encodeURIComponent(req.originalUrl)}`);
    }
    let status = 500;
    let message = 'Something went wrong; it has been logged.';
    if (error instanceof HttpException) {
      status = error.getStatus();
      const body = error.getResponse();
      const m = typeof body === 'string' ? body : (body as { message?: unknown }).message;
      message = Array.isArray(m) ? m.join('; ') : String(m ?? error.message);
    } else if (error instanceof UpstreamError) {
      status = error.status === 404 ? 404 : 502;
      message = error.message;
    } else {
      this.log.error({ err: error, path: req.path }, 'console page failed');
    }
    const titles: Record<number, string> = {
      401: 'Sign in first',
      403: 'Not allowed',
      404: 'Not found',
      502: 'Another app failed',
    };
    res
      .status(status)
      .type('html')
      .send(
        layout(
          { title: titles[status] ?? 'Error', session: req.session },
          html`<p>${message}</p>
            <p><a href="/exceptions">Back to the exception queue</a></p>`,
        ).value,
      );
  }
}
