import { randomBytes } from 'node:crypto';
import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { z } from 'zod';
import { diagnose } from '../app/doctor/diagnose.js';
import { doctorOptions } from '../app/doctor/doctorOptions.js';
import type { ServicesProvider } from '../composition/createServices.js';
import type { Config } from '../composition/config.js';
import type { DoctorProbes } from '../ports/doctorProbes.js';
import { createDoctorProbes } from '../composition/createDoctorProbes.js';
import type { DeclaredRegistries } from '../composition/createStageRegistryProbes.js';
import { parseWith } from '../domain/zodIssues.js';
import { json } from './http/problem.js';
import { withServices } from './withServices.js';

/**
 * Builds the probes for a configuration (the real adapters by default), with the registries the
 * pipeline declares when the services know them.
 */
export type ProbeFactory = (config: Config, declared?: DeclaredRegistries) => Promise<DoctorProbes>;

/** `?full=true|false` (absent: false). Azure's own `code` (the function key) is not ours. */
const healthQuery = z.object({
  full: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .optional()
    .transform((v) => v === 'true'),
});

/**
 * `GET /api/health[?full=true]`: the doctor's checks with the app's own identity (its managed
 * identity in Azure). Without `full`, the quick, read-only checks (registry pull, ledger read),
 * which write nothing; with `full=true`, every check `promoter doctor` runs: registry pull,
 * push of the scratch tag, lock (ACR), delete (only with retention on), Service Bus send and
 * receive, ledger read and write; and each registry the pipeline keeps stages in (read; with
 * `full`, write and import rights). 200 when no check failed, 503 otherwise; the body is
 * `{status: 'healthy'|'unhealthy', checks}`, each check with `name`, `status`, `tried`, `as`,
 * and `detail`, `reason`, or `cause` and `fix`, never a secret. A bad `full` is a 400 naming
 * it. Probes are built once per configuration and reused.
 */
export function health(
  getServices: ServicesProvider,
  probesFor: ProbeFactory = createDoctorProbes,
) {
  const built = new WeakMap<Config, Promise<DoctorProbes>>();
  const probesOf = (
    config: Config,
    declared: DeclaredRegistries | undefined,
  ): Promise<DoctorProbes> => {
    let probes = built.get(config);
    if (!probes) {
      probes = probesFor(config, declared);
      built.set(config, probes);
    }
    return probes;
  };
  return withServices(
    getServices,
    async (services, request: HttpRequest, context): Promise<HttpResponseInit> => {
      const full = request.query.get('full');
      const query = parseWith(healthQuery, 'health request', full === null ? {} : { full });
      const { config, pipeline, declaredRegistries } = services;
      const declared = declaredRegistries && { pipeline, ...declaredRegistries };
      const report = await diagnose(
        await probesOf(config, declared),
        doctorOptions(query.full ? 'full' : 'quick', {
          deletes: config.retention.days !== undefined,
          random: () => randomBytes(4).toString('hex'),
        }),
      );
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
