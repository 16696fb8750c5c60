import type { PromotionMessage } from '../domain/promotionMessage.js';
import { ExitCode, type ExitCodeValue } from './cliError.js';
import { writeLine } from './cliIo.js';
import { apiSettings, approvalTransport, readApprovalsSecret } from './cliSettings.js';
import type { CommandContext } from './commandContext.js';
import { formatOutcome } from './formatOutcome.js';
import { PromoterApi } from './promoterApi.js';
import { sendOverServiceBus } from './serviceBusTransport.js';
import { waitForOutcome } from './waitForOutcome.js';

/**
 * Sends a validated message (approval, rollback or unpin) the way every command does: on
 * Service Bus when it is configured, else signed to `POST /api/approvals`; prints `sent` once
 * it is queued. With `waitSeconds`, waits for its outcome (`waitForOutcome`), prints it, and returns
 * the exit code it maps to (`formatOutcome`); without, returns 0 once queued.
 */
export async function sendMessage(
  ctx: CommandContext,
  message: PromotionMessage,
  sent: string,
  waitSeconds: number | undefined,
): Promise<ExitCodeValue> {
  const { io, deps } = ctx;
  const transport = approvalTransport(io.env);
  // Read before sending, so that a bad URL is reported before anything is queued.
  const needsApi = transport.kind === 'http' || waitSeconds !== undefined;
  const api = needsApi ? new PromoterApi(apiSettings(io.env, ctx.globals().url)) : undefined;

  if (transport.kind === 'servicebus') {
    await sendOverServiceBus(transport, message, deps.openServiceBus);
  } else if (api !== undefined) {
    await api.postApproval(message, await readApprovalsSecret(io.env, io.cwd));
  }
  writeLine(io.stdout, sent);

  if (waitSeconds === undefined || api === undefined) return ExitCode.ok;
  const result = await waitForOutcome(
    api,
    message.repository,
    message.id,
    waitSeconds * 1000,
    deps.pollIntervalMs,
  );
  if (result.kind === 'timed-out') {
    writeLine(
      io.stderr,
      `promoter: no outcome for ${message.id} after ${waitSeconds} s${result.lastProblem === undefined ? '' : ` (last problem: ${result.lastProblem})`}`,
    );
    writeLine(
      io.stderr,
      `promoter: it may still be handled: promoter history ${message.repository}`,
    );
    return ExitCode.timedOut;
  }
  const { line, exitCode } = formatOutcome(result.outcome);
  writeLine(io.stdout, line);
  return exitCode;
}
