import { DOCTOR_REPOSITORY, type DiagnoseOptions } from './doctorReport.js';

/**
 * The options of a doctor run, as `promoter doctor --here` and `GET /api/health` make them.
 * With retention on (`deletes`) the push check puts the scratch manifest under a fresh
 * `promoter-doctor-<random>` tag, which the delete check removes again; with retention off the
 * app may not delete, so every run overwrites the one fixed tag `promoter-doctor`. `random` is
 * called only when a fresh tag is needed.
 */
export function doctorOptions(
  mode: DiagnoseOptions['mode'],
  options: {
    /** Whether the app deletes from the registry (PROMOTER_RETENTION_DAYS is set). */
    readonly deletes: boolean;
    /** The scratch repository (default `promoter-doctor`). */
    readonly repository?: string | undefined;
    /** A few random characters for the scratch tag, e.g. 8 hex digits. */
    readonly random: () => string;
  },
): DiagnoseOptions {
  return {
    mode,
    repository: options.repository ?? DOCTOR_REPOSITORY,
    scratchTag: options.deletes ? `${DOCTOR_REPOSITORY}-${options.random()}` : DOCTOR_REPOSITORY,
    deletes: options.deletes,
  };
}
