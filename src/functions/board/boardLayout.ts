import { html, type SafeHtml } from '../http/html.js';
import { STYLE } from './boardStyle.js';

/** A whole board page around `body`. */
export function boardPage(input: {
  readonly title: string;
  readonly subtitle: SafeHtml;
  readonly body: SafeHtml;
}): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>${input.title}</title>
        ${STYLE}
      </head>
      <body>
        <header>
          <h1>${input.title}</h1>
          <span class="muted">${input.subtitle}</span>
        </header>
        <main>${input.body}</main>
      </body>
    </html> `.toString();
}
