import { SYSTEM_APPROVER, type Approver } from './approvalMessage.js';
import { describeAllowed, mayApprove } from './approvalPolicy.js';
import type { Stage } from './pipeline.js';

/**
 * Why `approver` may not roll back or unpin `stage`, or undefined when they may. Pure.
 *
 * Why these rules: moving a stage back (or letting promotions into it again) is as weighty as
 * approving a promotion into it, so the stage's approvers decide (both lists empty: any
 * authenticated approver); the system identity never does, so no automatic message can
 * undo a person's rollback, and a forged "system" message cannot make one.
 */
export function operatorRefusal(
  stage: Stage,
  approver: Approver,
  action: 'roll back' | 'unpin',
): string | undefined {
  if (approver.id === SYSTEM_APPROVER.id)
    return `the system identity may not ${action} a stage; a person does, as one of the stage's approvers`;
  if (!mayApprove(stage, approver))
    return `${approver.id} may not ${action} stage ${stage.name}: only its approvers may (${describeAllowed(stage)})`;
  return undefined;
}
