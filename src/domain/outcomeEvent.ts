/** One approval as the ledger keeps it and events show it. */
export interface RecordedApproval {
  readonly approverId: string;
  readonly approverName?: string | undefined;
  readonly decision: 'approve' | 'reject';
  /** When the decision was made (ISO 8601). */
  readonly at: string;
  readonly messageId: string;
  readonly source: string;
  readonly comment?: string | undefined;
}

/**
 * What happened to an approval message, announced on the `promotion-events` topic (the local
 * host keeps them). `id` is unique per outcome, so subscribers can drop redelivered copies.
 */
export interface OutcomeEvent {
  readonly type: 'promotion.outcome';
  readonly id: string;
  readonly outcome: 'promoted' | 'pending' | 'rejected' | 'failed';
  readonly repository: string;
  readonly stage: string;
  readonly version?: string | undefined;
  readonly digest?: string | undefined;
  readonly gitShas?: readonly string[] | undefined;
  /** Tags written (promoted) or to be written (pending). */
  readonly tags?: readonly string[] | undefined;
  /** Valid approvals counted so far, and how many the stage requires. */
  readonly approvals?: readonly RecordedApproval[] | undefined;
  readonly required?: number | undefined;
  /** For pending: who may still approve (ids and groups; empty lists mean anyone allowed). */
  readonly eligible?:
    { readonly ids: readonly string[]; readonly groups: readonly string[] } | undefined;
  /** For rejected and failed: why, in words an operator can act on. */
  readonly reason?: string | undefined;
  /** The approval message that led here. */
  readonly messageId: string;
  readonly at: string;
}
