import { parseBuildRef, type BuildRef } from './parseBuildRef.js';

/**
 * The command grammar shared by the Slack slash command and Teams mentions. Pure: the caller
 * strips the invocation (`/promote`, `<at>promoter</at>`) and hands over the rest.
 *
 * ```
 * approve|reject <repository> <git-sha|digest|tag> <stage> [<version>] [-- comment…]
 * rollback <repository> <stage> <to> <reason…>
 * unpin <repository> <stage> [<reason…>]
 * status <repository>
 * help
 * ```
 *
 * `<to>` and `<git-sha|digest|tag>` are read alike (`parseBuildRef`, as the CLI reads them).
 */

/** An approval or rejection, as typed. */
export interface ChatDecision {
  readonly kind: 'approve' | 'reject';
  readonly repository: string;
  readonly build: BuildRef;
  readonly stage: string;
  readonly version?: string;
  readonly comment?: string;
}

/**
 * A rollback of a stage to an earlier promotion of it, as typed: `to` is read like the CLI's
 * `--to`, and the reason (required) is the rest of the text.
 */
export interface ChatRollback {
  readonly kind: 'rollback';
  readonly repository: string;
  readonly stage: string;
  readonly to: BuildRef;
  readonly reason: string;
}

/** An unpin of a stage a rollback pinned, as typed; the reason is optional. */
export interface ChatUnpin {
  readonly kind: 'unpin';
  readonly repository: string;
  readonly stage: string;
  readonly reason?: string;
}

/** What a chat command asks for; `usage` when it asks for help or cannot be understood. */
export type ChatCommand =
  | ChatDecision
  | ChatRollback
  | ChatUnpin
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
    `  ${invokedAs} rollback <repository> <stage> <to> <reason…>`,
    `  ${invokedAs} unpin <repository> <stage> [<reason…>]`,
    `  ${invokedAs} status <repository>`,
    `  ${invokedAs} help`,
    '<to> is the earlier promotion of the stage to go back to: its tag, digest or git SHA.',
    `Example: ${invokedAs} approve myapp a1b2c3d rc 1.2.3`,
    `Example: ${invokedAs} rollback myapp release 1.2.3 1.2.4 breaks checkout`,
  ].join('\n');
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
const separatorWord = /^(?:--|—|–)$/;
const leadingSeparator = /^(?:--|—|–)(?=\s|$)/;

const ARGUMENTS = ['<repository>', '<git-sha|digest|tag>', '<stage>'] as const;

const OPERATION_ARGUMENTS = {
  rollback: ['<repository>', '<stage>', '<to>'],
  unpin: ['<repository>', '<stage>'],
} as const;

/** Quotes typed around a reason out of CLI habit (`"…"`, or the curly ones chat clients make). */
const quoted = /^(?:"([^"]*)"|“([^“”]*)”|'([^']*)'|‘([^‘’]*)’)$/;

/**
 * Reads `rollback` and `unpin` from the text after the verb: the arguments, then the reason as
 * the rest of the text, as typed (a leading `--` and surrounding quotes are dropped; a `--`
 * inside the reason is part of it).
 */
function parseOperation(
  kind: 'rollback' | 'unpin',
  rest: string,
): ChatRollback | ChatUnpin | { readonly problem: string } {
  const names = OPERATION_ARGUMENTS[kind];
  const args: string[] = [];
  let end = 0;
  for (const word of rest.matchAll(/\S+/g)) {
    if (args.length === names.length || separatorWord.test(word[0])) break;
    args.push(word[0]);
    end = word.index + word[0].length;
  }
  const text = rest.slice(end).trim().replace(leadingSeparator, '').trim();
  const unquoted = quoted.exec(text);
  const reason = (unquoted ? unquoted.slice(1).join('') : text).trim();
  const needs = `${kind} needs ${names.join(' ')} ${kind === 'rollback' ? '<reason…>' : '[<reason…>]'}`;
  const missing = { problem: `${needs}; missing ${names[args.length]}` };
  const [repository, stage, to] = args;
  if (repository === undefined || stage === undefined) return missing;
  if (kind === 'unpin') return { kind, repository, stage, ...(reason === '' ? {} : { reason }) };
  if (to === undefined) return missing;
  if (reason === '')
    return { problem: `${needs}; missing <reason…>: say why, for the audit trail` };
  return { kind, repository, stage, to: parseBuildRef(to), reason };
}

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
  if (command === 'rollback' || command === 'unpin') {
    // The reason is free text: read from the whole text, where a `--` is part of the reason.
    const afterVerb = decoded.slice(decoded.indexOf(verb) + verb.length);
    const operation = parseOperation(command, afterVerb);
    return 'problem' in operation ? usage(operation.problem) : operation;
  }
  if (command === 'status') {
    const [repository] = args;
    if (repository === undefined) return usage('status needs <repository>');
    if (args.length > 1) return usage(`status takes only <repository>; "${args[1]}" is extra`);
    return { kind: 'status', repository };
  }
  if (command !== 'approve' && command !== 'reject')
    return usage(`unknown command "${verb}": use approve, reject, rollback, unpin, status or help`);
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

/** The reply to a `usage` command: what was wrong, if anything, then the usage. */
export function usageText(command: { readonly usage: string; readonly problem?: string }): string {
  return command.problem === undefined
    ? command.usage
    : `Not understood: ${command.problem}.\n${command.usage}`;
}
