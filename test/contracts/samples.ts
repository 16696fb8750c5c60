import { createHash, randomUUID } from 'node:crypto';

/** A valid sha256 digest, the same for the same label. */
export const digestOf = (label: string): string =>
  `sha256:${createHash('sha256').update(label).digest('hex')}`;

/** A full lowercase git SHA (40 hex), the same for the same label. */
export const shaOf = (label: string): string => createHash('sha1').update(label).digest('hex');

/** 2025-01-01 12:00 UTC plus `minute` minutes. */
export const minute = (n: number): Date => new Date(Date.UTC(2025, 0, 1, 12, n));

/** An id no other test uses. */
export const uniqueId = (label: string): string => `${label}-${randomUUID()}`;
