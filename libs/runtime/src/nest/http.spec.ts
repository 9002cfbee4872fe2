import type { AddressInfo } from 'node:net';
import { Body, Controller, Get, Module, Post, RawBodyRequest, Req } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Request } from 'express';
import { configureHubHttp, HUB_HTTP_APP_OPTIONS } from './http';

@Controller()
class EchoController {
  @Post('echo')
  echo(@Req() req: RawBodyRequest<Request>, @Body() body: unknown) {
    return { body, raw: req.rawBody?.toString('utf8') ?? null };
  }

  @Get('boom')
  boom(): never {
    throw new Error('boom');
  }
}

@Module({ controllers: [EchoController] })
class EchoModule {}

describe('configureHubHttp', () => {
  let app: NestExpressApplication;
  let url: string;

  beforeAll(async () => {
    app = await NestFactory.create<NestExpressApplication>(EchoModule, { ...HUB_HTTP_APP_OPTIONS, logger: false });
    configureHubHttp(app, { bodyLimitBytes: 64, textTypes: ['text/xml'], openApi: { title: 'echo', version: '1' } });
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  });
  afterAll(() => app.close());

  const post = (body: string, contentType: string, headers: Record<string, string> = {}) =>
    fetch(`${url}/echo`, { method: 'POST', headers: { 'Content-Type': contentType, ...headers }, body });

  it('parses JSON and XML as text, keeping the raw bytes', async () => {
    expect(await (await post('{"a": 1}', 'application/json')).json()).toEqual({ body: { a: 1 }, raw: '{"a": 1}' });
    expect(await (await post('<a>1</a>', 'text/xml; charset=utf-8')).json()).toEqual({
      body: '<a>1</a>',
      raw: '<a>1</a>',
    });
  });

  it('answers 413 over the limit and 400 for JSON that does not parse, without quoting the body, with a request id', async () => {
    const large = await post(JSON.stringify({ pad: 'x'.repeat(100) }), 'application/json', { 'X-Request-Id': 'r-1' });
    expect(large.status).toBe(413);
    expect(large.headers.get('x-request-id')).toBe('r-1');
    expect(await large.json()).toEqual({
      statusCode: 413,
      error: 'Payload Too Large',
      message: 'request body is larger than 64 bytes',
      requestId: 'r-1',
    });
    const broken = await post('{secret-value', 'application/json');
    expect(broken.status).toBe(400);
    const answer = (await broken.json()) as { message: string; requestId: string };
    expect(answer.message).toBe('malformed body: not valid JSON (at position 1)');
    expect(broken.headers.get('x-request-id')).toBe(answer.requestId);
  });

  it('puts a request id on every answer, a fresh one when the offered id is not a plain token', async () => {
    const res = await fetch(`${url}/boom`, { headers: { 'X-Request-Id': 'not plain!' } });
    expect(res.status).toBe(500);
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('serves the OpenAPI document at /openapi.json', async () => {
    const doc = (await (await fetch(`${url}/openapi.json`)).json()) as { info: { title: string }; paths: object };
    expect(doc.info.title).toBe('echo');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/echo', '/boom']));
  });
});
