import {
  parseApprovalMessage,
  type ApprovalMessage,
  type ApprovalMessageInput,
} from './approvalMessage.js';
import { ValidationError } from './errors.js';

/**
 * The command grammar shared by the Slack slash command and Teams mentions. Pure: the caller
 * strips the invocation (`/promote`, `<at>promoter</at>`) and hands over the rest.
 *
 * ```
 * approve|reject <repository> <git-sha|digest|tag> <stage> [<version>] [-- comment…]
 * status <repository>
 * help
 * ```
 */

/** How a chat command names a build (validated later, with the whole message). */
export type ChatBuildRef = ApprovalMessageInput['build'];

/** An approval or rejection, as typed. */
export interface ChatDecision {
  readonly kind: 'approve' | 'reject';
  readonly repository: string;
  readonly build: ChatBuildRef;
  readonly stage: string;
  readonly version?: string;
  readonly comment?: string;
}

/** What a chat command asks for; `usage` when it asks for help or cannot be understood. */
export type ChatCommand =
  | ChatDecision
  | { readonly kind: 'status'; readonly repository: string }
  | {
      readonly kind: 'usage';
      readonly usage: string;
      /** What was wrong with the command; absent when the user asked for help. */
      readonly problem?: string;
    };

/** The usage text, with the commands written as the user invokes them (`/promote`, `@promoter`). */
export function chatUsage(invokedAs = '/promote'): string {
  return [
    'Usage:',
    `  ${invokedAs} approve <repository> <git-sha|digest|tag> <stage> [<version>] [-- comment]`,
    `  ${invokedAs} reject <repository> <git-sha|digest|tag> <stage> [<version>] [-- comment]`,
    `  ${invokedAs} status <repository>`,
    `  ${invokedAs} help`,
    `Example: ${invokedAs} approve myapp a1b2c3d rc 1.2.3`,
  ].join('\n');
}

const digestLike = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:/;
const gitShaLike = /^[0-9a-f]{7,40}$/;

/**
 * Reads a build argument: `algorithm:hex` is a digest, 7–40 lowercase hex characters a git
 * SHA, anything else a tag; `git:<sha>` and `tag:<tag>` say which explicitly.
 */
export function parseBuildRef(ref: string): ChatBuildRef {
  if (ref.startsWith('tag:')) return { tag: ref.slice('tag:'.length) };
  if (ref.startsWith('git:')) return { gitSha: ref.slice('git:'.length) };
  if (digestLike.test(ref)) return { digest: ref };
  if (gitShaLike.test(ref)) return { gitSha: ref };
  return { tag: ref };
}

/** Chat clients escape `& < >` (Slack) or send HTML entities (Teams): read them as typed. */
function decodeEntities(text: string): string {
  return text
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

/** `--` starts the comment; so do the dashes that smart punctuation makes of it. */
const commentSeparator = /(?:^|\s)(?:--|—|–)(?:\s|$)/;

const ARGUMENTS = ['<repository>', '<git-sha|digest|tag>', '<stage>'] as const;

/** Parses the text of a chat command. Never throws: anything not understood is `usage`. */
export function parseChatCommand(text: string, invokedAs = '/promote'): ChatCommand {
  const decoded = decodeEntities(text);
  const separator = commentSeparator.exec(decoded);
  const head = separator ? decoded.slice(0, separator.index) : decoded;
  const comment = separator ? decoded.slice(separator.index + separator[0].length).trim() : '';
  const [verb = '', ...args] = head.split(/\s+/).filter((word) => word !== '');
  const usage = (problem?: string) => ({
    kind: 'usage' as const,
    usage: chatUsage(invokedAs),
    ...(problem === undefined ? {} : { problem }),
  });
  const command = verb.toLowerCase();
  if (command === '' || command === 'help') return usage();
  if (command === 'status') {
    const [repository] = args;
    if (repository === undefined) return usage('status needs <repository>');
    if (args.length > 1) return usage(`status takes only <repository>; "${args[1]}" is extra`);
    return { kind: 'status', repository };
  }
  if (command !== 'approve' && command !== 'reject')
    return usage(`unknown command "${verb}": use approve, reject, status or help`);
  const [repository, ref, stage, version, ...extra] = args;
  if (repository === undefined || ref === undefined || stage === undefined)
    return usage(`${command} needs ${ARGUMENTS.join(' ')}; missing ${ARGUMENTS[args.length]}`);
  if (extra.length > 0)
    return usage(
      `unexpected "${extra.join(' ')}" after the version; put a comment after --, e.g. -- ${extra.join(' ')}`,
    );
  return {
    kind: command,
    repository,
    build: parseBuildRef(ref),
    stage,
    ...(version === undefined ? {} : { version }),
    ...(comment === '' ? {} : { comment }),
  };
}

/** Who decided, and how the message is identified. */
export interface ChatOrigin {
  /** The new message id (a UUID). */
  readonly id: string;
  readonly approver: ApprovalMessageInput['approver'];
  /** `slack` or `teams`. */
  readonly source: string;
}

/**
 * The approval message for a chat decision, validated: the message, or what is wrong with it
 * naming the field (`version: must be a semantic version …`). `stages` are the pipeline's.
 */
export function chatApproval(
  decision: ChatDecision,
  origin: ChatOrigin,
  stages: readonly string[],
):
  | { readonly kind: 'ok'; readonly message: ApprovalMessage }
  | { readonly kind: 'invalid'; readonly problem: string } {
  let message: ApprovalMessage;
  try {
    message = parseApprovalMessage({
      type: 'approval',
      id: origin.id,
      repository: decision.repository,
      build: decision.build,
      stage: decision.stage,
      ...(decision.version === undefined ? {} : { version: decision.version }),
      decision: decision.kind,
      approver: origin.approver,
      source: origin.source,
      ...(decision.comment === undefined ? {} : { comment: decision.comment }),
    });
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const problems = error.issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message));
    return { kind: 'invalid', problem: problems.join('; ') };
  }
  if (!stages.includes(message.stage))
    return {
      kind: 'invalid',
      problem: `stage: "${message.stage}" is not a stage of the pipeline; use ${stages.join(', ')}`,
    };
  return { kind: 'ok', message };
}

/** `sha256:4f53ab12cd34`: enough of a digest to tell builds apart in chat. */
export function shortDigest(digest: string): string {
  const [algorithm = '', hex = ''] = digest.split(':', 2);
  return `${algorithm}:${hex.slice(0, 12)}`;
}

/** `myapp@a1b2c3d` (git SHA), `myapp@sha256:4f53ab12cd34` (digest) or `myapp:1.2.3-rc1` (tag). */
export function describeChatBuild(repository: string, build: ApprovalMessage['build']): string {
  if ('digest' in build) return `${repository}@${shortDigest(build.digest)}`;
  if ('tag' in build) return `${repository}:${build.tag}`;
  return `${repository}@${build.gitSha}`;
}

/**
 * The reply once a decision is queued: `Queued: approve rc 1.2.3 of myapp@a1b2c3d as alice.
 * The outcome will be posted here.`
 */
export function queuedText(message: ApprovalMessage): string {
  const stage =
    message.version === undefined ? message.stage : `${message.stage} ${message.version}`;
  const { id, name } = message.approver;
  const who = name === undefined || name === id ? id : `${id} (${name})`;
  return `Queued: ${message.decision} ${stage} of ${describeChatBuild(message.repository, message.build)} as ${who}. The outcome will be posted here.`;
}

/** The reply to a `usage` command: what was wrong, if anything, then the usage. */
export function usageText(command: { readonly usage: string; readonly problem?: string }): string {
  return command.problem === undefined
    ? command.usage
    : `Not understood: ${command.problem}.\n${command.usage}`;
}
