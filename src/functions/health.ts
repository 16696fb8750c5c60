import type { HttpResponseInit } from '@azure/functions';
import { DOCTOR_REPOSITORY, diagnose } from '../app/diagnose.js';
import type { ServicesProvider } from '../composition.js';
import type { Config } from '../config.js';
import type { DoctorProbes } from '../doctorPorts.js';
import { createDoctorProbes } from '../doctorProbes.js';
import { json } from './http/problem.js';
import { withServices } from './withServices.js';

/** Builds the probes for a configuration (the real adapters by default). */
export type ProbeFactory = (config: Config) => Promise<DoctorProbes>;

/**
 * `GET /api/health`: the doctor's quick, read-only checks (registry pull, ledger read) with the
 * app's own identity. 200 when every check passes, 503 otherwise; the body lists each check
 * (`name`, `status`, `tried`, `as`, and `detail`, or `cause` and `fix`), never a secret.
 * Probes are built once per configuration and reused.
 */
export function health(
  getServices: ServicesProvider,
  probesFor: ProbeFactory = createDoctorProbes,
) {
  const built = new WeakMap<Config, Promise<DoctorProbes>>();
  const probesOf = (config: Config): Promise<DoctorProbes> => {
    let probes = built.get(config);
    if (!probes) {
      probes = probesFor(config);
      built.set(config, probes);
    }
    return probes;
  };
  return withServices(
    getServices,
    async (services, _request, context): Promise<HttpResponseInit> => {
      const report = await diagnose(await probesOf(services.config), {
        mode: 'quick',
        repository: DOCTOR_REPOSITORY,
        // Quick checks create nothing: no scratch tag is pushed.
        scratchTag: `${DOCTOR_REPOSITORY}-health`,
        deletes: false,
      });
      for (const check of report.checks)
        if (check.status === 'failed')
          context.warn('health check failed', { check: check.name, cause: check.cause });
      return json(
        report.ok ? 200 : 503,
        { status: report.ok ? 'healthy' : 'unhealthy', checks: report.checks },
        { 'cache-control': 'no-store' },
      );
    },
  );
}
