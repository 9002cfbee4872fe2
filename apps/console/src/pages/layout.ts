import type { Session } from '../auth/session.store';
import { Html, html } from './html';

export interface PageOptions {
  title: string;
  /** The signed-in session: the navigation, the user and the sign-out form. */
  session?: Session;
  /** Shown once above the page (taken from the session by the caller). */
  flash?: Session['flash'];
}

/** Every console page: pico's classless CSS served by the console itself, no script at all. */
export function layout(options: PageOptions, body: Html): Html {
  const { title, session, flash } = options;
  const user = session?.user;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · hub console</title>
        <link rel="stylesheet" href="/assets/pico.classless.min.css" />
        <link rel="stylesheet" href="/assets/console.css" />
      </head>
      <body>
        <header>
          <nav>
            <ul>
              <li><strong>Hub console</strong></li>
            </ul>
            ${
              user
                ? html`<ul>
                    <li><a href="/exceptions">Exceptions</a></li>
                    <li><a href="/dead-letters">Dead letters</a></li>
                    <li><a href="/status">Health</a></li>
                    <li><a href="/pipeline">Pipeline</a></li>
                    <li><a href="/history">Record history</a></li>
                    <li>
                      <form method="post" action="/sign-out" class="inline">
                        <input type="hidden" name="_csrf" value="${session!.csrf}" />
                        <small>${user.name} (${user.role})</small>
                        <button type="submit" class="secondary">Sign out</button>
                      </form>
                    </li>
                  </ul>`
                : null
            }
          </nav>
        </header>
        <main>
          ${flash ? html`<p role="status" class="flash ${flash.kind}">${flash.text}</p>` : null}
          <h1>${title}</h1>
          ${body}
        </main>
      </body>
    </html>`;
}

/** A value as indented JSON, for a `<pre>`. */
export const json = (value: unknown): string => JSON.stringify(value, null, 2) ?? '';

/** How long ago an ISO time was, in the largest whole unit. */
export function age(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 90) return `${s} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  if (s < 129_600) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} d`;
}
