/** The doctor's report: its checks, their outcomes, and the helpers that make them. */
import type { ProbeFailure, ProbeResult } from '../../ports/doctorProbes.js';
import type { Advice } from './doctorAdvice.js';

/** The scratch repository of the registry checks, unless the caller names another. */
export const DOCTOR_REPOSITORY = 'promoter-doctor';

/** The checks, in the order they are reported. */
export const CHECK_NAMES = [
  'registry pull',
  'registry push',
  'registry tag lock',
  'registry delete',
  'stage registry read',
  'stage registry write',
  'stage registry import',
  'service bus send',
  'service bus receive',
  'ledger read',
  'ledger write',
] as const;

export type CheckName = (typeof CHECK_NAMES)[number];

/** One check's outcome, for a person (CLI) and for a monitor (`GET /api/health`). */
export type CheckReport = {
  readonly name: CheckName;
  /** What was tried, against what. */
  readonly tried: string;
  /** Who it was tried as (never a secret: a user name, an object id, or the setting). */
  readonly as: string;
  /** For a declared registry's checks: its login server (there may be several). */
  readonly registry?: string | undefined;
} & (
  | { readonly status: 'ok'; readonly detail: string }
  | { readonly status: 'skipped'; readonly reason: string }
  /** `fix` holds exact commands where there are any. */
  | ({ readonly status: 'failed' } & Advice)
);

/** Every check's outcome; `ok` when none failed (skipped checks do not count). */
export interface DoctorReport {
  readonly ok: boolean;
  readonly checks: readonly CheckReport[];
}

/** What to run. */
export interface DiagnoseOptions {
  /** `quick`: the read-only checks (registry pull, ledger read); `full`: all of them. */
  readonly mode: 'quick' | 'full';
  /** The scratch repository the registry checks use (`promoter-doctor`). */
  readonly repository: string;
  /**
   * The scratch tag the push check puts a manifest under: `promoter-doctor-<random>` when the
   * delete check removes it again, else a fixed one that each run overwrites.
   */
  readonly scratchTag: string;
  /**
   * Whether the app deletes from the registry (retention is on), so the delete right is
   * checked on the scratch manifest. When it does not, the app has no delete right (the
   * deployment grants none) and the delete check is skipped.
   */
  readonly deletes: boolean;
}

/** Runs a probe and turns its result into a report; a probe that throws fails its check. */
export async function runCheck(
  name: CheckName,
  tried: string,
  as: string,
  probe: () => Promise<ProbeResult>,
  explain: (failure: ProbeFailure) => Advice,
  registry?: string,
): Promise<CheckReport> {
  let result: ProbeResult;
  try {
    result = await probe();
  } catch (error) {
    result = {
      ok: false,
      failure: { kind: 'other', answer: error instanceof Error ? error.message : String(error) },
    };
  }
  const about = registry === undefined ? {} : { registry };
  return result.ok
    ? { name, tried, as, ...about, status: 'ok', detail: result.detail }
    : { name, tried, as, ...about, status: 'failed', ...explain(result.failure) };
}

/** A check that was not tried, and why. */
export const skippedCheck = (
  name: CheckName,
  tried: string,
  as: string,
  reason: string,
  registry?: string,
): CheckReport => ({
  name,
  tried,
  as,
  ...(registry === undefined ? {} : { registry }),
  status: 'skipped',
  reason,
});
