/**
 * Timer schedules as Azure Functions writes them: NCRONTAB expressions with six fields,
 * `{second} {minute} {hour} {day} {month} {day-of-week}`, in UTC (Azure's default; Linux plans
 * ignore WEBSITE_TIME_ZONE), and `%SETTING%` references that the host resolves from app
 * settings. Checked here without a cron library, so that the Functions bundle carries none:
 * only the local host computes occurrences (`src/local/localTimers.ts`).
 */

/** When retention runs unless PROMOTER_RETENTION_SCHEDULE says otherwise: 03:30 UTC daily. */
export const DEFAULT_RETENTION_SCHEDULE = '0 30 3 * * *';

/** When the reconciler runs unless PROMOTER_RECONCILE_SCHEDULE says otherwise: every 5 minutes. */
export const DEFAULT_RECONCILE_SCHEDULE = '0 */5 * * * *';

/** When the marker sweep runs unless PROMOTER_SWEEP_SCHEDULE says otherwise: 04:15 UTC daily. */
export const DEFAULT_SWEEP_SCHEDULE = '0 15 4 * * *';

/** The reconciler's schedule under `npm start`: every 30 seconds, so a lost push shows soon. */
export const LOCAL_RECONCILE_SCHEDULE = '*/30 * * * * *';

/**
 * Defaults of the settings that timer schedules name. In Azure the setting must exist (infra/
 * sets it); the local host falls back to these.
 */
export const SCHEDULE_DEFAULTS: Readonly<Record<string, string>> = {
  PROMOTER_RETENTION_SCHEDULE: DEFAULT_RETENTION_SCHEDULE,
  PROMOTER_RECONCILE_SCHEDULE: DEFAULT_RECONCILE_SCHEDULE,
  PROMOTER_SWEEP_SCHEDULE: DEFAULT_SWEEP_SCHEDULE,
};

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** Each field's name, range and names (months and days count from their range's start). */
const FIELDS = [
  { name: 'second', min: 0, max: 59, names: [] },
  { name: 'minute', min: 0, max: 59, names: [] },
  { name: 'hour', min: 0, max: 23, names: [] },
  { name: 'day', min: 1, max: 31, names: [] },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day-of-week', min: 0, max: 6, names: DAYS },
] as const;

const EXAMPLE = 'e.g. "0 30 3 * * *" for 03:30 UTC every day';

/** Why one item of a field (`5`, `1-5`, `*\/15`, `mon-fri`) is wrong, or undefined. */
function itemProblem(item: string, field: (typeof FIELDS)[number]): string | undefined {
  const match = /^(\*|[0-9a-z]+(?:-[0-9a-z]+)?)(?:\/([0-9]+))?$/i.exec(item);
  if (match === null) return `"${item}" is not a value, range or step`;
  const [, base = '', step] = match;
  if (step !== undefined && Number(step) < 1) return `"${item}" steps by 0`;
  if (base === '*') return undefined;
  const value = (text: string): number | undefined => {
    const named = (field.names as readonly string[]).indexOf(text.toLowerCase());
    if (named >= 0) return named + field.min;
    return /^[0-9]+$/.test(text) ? Number(text) : undefined;
  };
  const bounds = base.split('-').map(value);
  for (const bound of bounds)
    if (bound === undefined || bound < field.min || bound > field.max)
      return `"${item}" is outside ${field.min}–${field.max}`;
  const [from = 0, to = from] = bounds as number[];
  return from > to ? `"${item}" runs backwards` : undefined;
}

/**
 * Why `schedule` is not a six-field NCRONTAB expression, or undefined when it is one. A
 * five-field (minute-first) cron line is refused: Azure would read its first field as seconds.
 */
export function scheduleProblem(schedule: string): string | undefined {
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== 6)
    return `must be an NCRONTAB expression with six fields, {second} {minute} {hour} {day} {month} {day-of-week}, ${EXAMPLE}`;
  for (const [i, text] of fields.entries()) {
    const field = FIELDS[i];
    if (field === undefined) continue;
    for (const item of text.split(',')) {
      const problem = itemProblem(item, field);
      if (problem !== undefined)
        return `is not a valid NCRONTAB expression (${field.name}: ${problem}), ${EXAMPLE}`;
    }
  }
  return undefined;
}

/**
 * `schedule` with each `%NAME%` replaced by the setting `NAME` from `env`, or its default in
 * `SCHEDULE_DEFAULTS`. Throws an Error naming the setting when it has neither, or when the
 * result is not a valid schedule.
 */
export function resolveSchedule(
  schedule: string,
  env: Readonly<Record<string, string | undefined>>,
): string {
  const resolved = schedule.replace(/%([A-Za-z0-9_]+)%/g, (_, name: string) => {
    const value = env[name]?.trim() || SCHEDULE_DEFAULTS[name];
    if (value === undefined)
      throw new Error(`timer schedule ${schedule}: the setting ${name} is not set`);
    return value;
  });
  const problem = scheduleProblem(resolved);
  if (problem !== undefined) {
    const setting = /^%([A-Za-z0-9_]+)%$/.exec(schedule)?.[1];
    throw new Error(`${setting ?? `timer schedule "${resolved}"`} ${problem}`);
  }
  return resolved.trim().split(/\s+/).join(' ');
}
