import { parseWith } from '../domain/zodIssues.js';
import type { ServicesProvider } from '../composition/createServices.js';
import { json } from './http/problem.js';
import {
  booleanField,
  readRequestFields,
  repositoryField,
  requestSchema,
} from './http/requestFields.js';
import { logReconcile, runReconcile } from './reconcileTimer.js';
import { withServices } from './withServices.js';

/** The request's fields, from the query (`?dryRun=true&repository=myapp`) or a JSON body. */
const reconcileRequest = requestSchema({
  dryRun: booleanField.optional(),
  repository: repositoryField.optional(),
});

/**
 * `POST /api/reconcile[?dryRun=true][&repository=myapp]` (or the same fields as a JSON body):
 * runs the reconciler now, as the timer does (also while PROMOTER_RECONCILE_ENABLED is false),
 * over the repositories in scope or the one named, and answers 200 with the report
 * (`ReconcileReport`): per repository what was done (a dry run: what would be) and why, what
 * failed, and what the run cost. 400 naming the field for bad input.
 */
export function reconcile(getServices: ServicesProvider) {
  return withServices(getServices, async (services, request, context) => {
    const subject = 'reconcile request';
    const fields = parseWith(
      reconcileRequest,
      subject,
      await readRequestFields(request, subject, Object.keys(reconcileRequest.shape)),
    );
    const report = await runReconcile(services, {
      dryRun: fields.dryRun ?? false,
      repository: fields.repository,
    });
    logReconcile(report, context);
    return json(200, report);
  });
}
