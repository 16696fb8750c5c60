/**
 * Slack's `response_url` hosts: only these are ever posted to as a reply (never an arbitrary
 * URL a message names). A `response_url` takes up to 5 posts within 30 minutes of the command
 * or click it came with (Slack's "Handling user interaction").
 */
const SLACK_RESPONSE_URL = /^https:\/\/hooks\.slack(-gov)?\.com\/[^\s]+$/;

/** Whether `url` is a Slack `response_url` promoter may post a reply to. */
export const isSlackResponseUrl = (url: string): boolean => SLACK_RESPONSE_URL.test(url);

/** How long a `response_url` accepts replies. */
export const SLACK_RESPONSE_URL_LIFETIME_MS = 30 * 60_000;
