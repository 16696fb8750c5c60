import { z } from 'zod';

/** A string that `Date.parse` reads (an ISO 8601 time, as promoter writes them). */
export const isoDate = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'is not a date');
