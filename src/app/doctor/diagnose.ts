import type {
  BusProbe,
  DoctorProbes,
  LedgerProbe,
  ProbeIdentity,
} from '../../ports/doctorProbes.js';
import { describeIdentity } from './doctorAdvice.js';
import { busAdvice, type BusStep } from './doctorBusAdvice.js';
import { ledgerAdvice } from './doctorLedgerAdvice.js';
import { registryChecks } from './doctorRegistryChecks.js';
import { stageRegistryChecks } from './doctorStageRegistryChecks.js';
import {
  runCheck as run,
  skippedCheck as skipped,
  type CheckReport,
  type DiagnoseOptions,
  type DoctorReport,
} from './doctorReport.js';

export {
  CHECK_NAMES,
  DOCTOR_REPOSITORY,
  type CheckName,
  type CheckReport,
  type DiagnoseOptions,
  type DoctorReport,
} from './doctorReport.js';

async function busChecks(probe: BusProbe | undefined): Promise<CheckReport[]> {
  const sendTried =
    'schedule a message a year ahead on queue promotions and topic promotion-events, then cancel it';
  const receiveTried = 'peek queue promotions and subscription promotion-events/notifications';
  if (!probe) {
    const reason =
      'no Service Bus configured (PROMOTER_SERVICEBUS_NAMESPACE and PROMOTER_SERVICEBUS_CONNECTION_STRING are unset): the local host uses its stand-in queue';
    return [
      skipped('service bus send', sendTried, '-', reason),
      skipped('service bus receive', receiveTried, '-', reason),
    ];
  }
  const identity = await probe.identity();
  const as = describeIdentity(identity);
  const ctx = { target: probe.target, setting: probe.setting, identity };
  const check = (name: 'service bus send' | 'service bus receive', step: BusStep, tried: string) =>
    run(
      name,
      `${tried} (${probe.target})`,
      as,
      () => probe[step](),
      (f) => busAdvice(f, { ...ctx, step }),
    );
  return [
    await check('service bus send', 'send', sendTried),
    await check('service bus receive', 'receive', receiveTried),
  ];
}

async function ledgerChecks(
  probe: LedgerProbe,
  mode: DiagnoseOptions['mode'],
): Promise<CheckReport[]> {
  const identity: ProbeIdentity = await probe.identity();
  const as = describeIdentity(identity);
  const explain = (f: Parameters<typeof ledgerAdvice>[0]) =>
    ledgerAdvice(f, { target: probe.target, setting: probe.setting, identity });
  const tables = probe.tables.join(', ');
  const read = await run(
    'ledger read',
    `read a row of ${tables} at ${probe.target}`,
    as,
    () => probe.read(),
    explain,
  );
  if (mode === 'quick') return [read];
  const write = await run(
    'ledger write',
    `upsert and delete a scratch row (partition ~doctor) in ${tables} at ${probe.target}`,
    as,
    () => probe.write(),
    explain,
  );
  return [read, write];
}

/**
 * Runs the doctor's checks with the identity the app uses and explains each failure with its
 * fix. `quick` runs only reads (no scratch manifest, no scratch row, nothing sent); `full`
 * also pushes a scratch manifest (and removes it), locks it on ACR, sends a scheduled message
 * (cancelled at once) and writes a scratch row (deleted at once). Each registry the pipeline
 * declares for its stages is checked as promoter signs in there (`stageRegistryChecks`). The
 * registries, Service Bus and ledger are probed concurrently; the report lists checks in
 * `CHECK_NAMES` order, a declared registry's checks together.
 */
export async function diagnose(
  probes: DoctorProbes,
  options: DiagnoseOptions,
): Promise<DoctorReport> {
  const groups = await Promise.all([
    registryChecks(probes.registry, options),
    stageRegistryChecks(probes.stageRegistries, options),
    options.mode === 'full' ? busChecks(probes.bus) : Promise.resolve([]),
    ledgerChecks(probes.ledger, options.mode),
  ]);
  const checks = groups.flat();
  return { ok: checks.every((c) => c.status !== 'failed'), checks };
}
