import { html, type SafeHtml } from '../http/html.js';

/**
 * How long ago `iso` was at `now`, in words a person reads at a glance: `just now`,
 * `40 s ago`, `12 min ago`, `3 h ago`, `5 d ago`. A time in the future (clock skew) is
 * `just now`; an unreadable one is returned as given.
 */
export function relativeTime(iso: string, now: Date): string {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return iso;
  const seconds = Math.floor((now.getTime() - at) / 1000);
  if (seconds < 5) return 'just now';
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.floor(hours / 24)} d ago`;
}

/** A `<time>` showing the relative time, with the exact ISO time as its tooltip. */
export function timeAgo(iso: string, now: Date): SafeHtml {
  return html`<time datetime="${iso}" title="${iso}">${relativeTime(iso, now)}</time>`;
}
