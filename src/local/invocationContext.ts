import functions from '@azure/functions';
import { randomUUID } from 'node:crypto';

const { InvocationContext } = functions;

const format = (arg: unknown) => (typeof arg === 'string' ? arg : JSON.stringify(arg));

/**
 * The `@azure/functions` context the Functions host would give one invocation of the function
 * `name`: its log calls become lines `[name] level: message {fields}` in `log`.
 */
export function invocationContext(
  name: string,
  log: (line: string) => void,
  triggerMetadata?: Record<string, unknown>,
): InstanceType<typeof InvocationContext> {
  return new InvocationContext({
    invocationId: randomUUID(),
    functionName: name,
    ...(triggerMetadata ? { triggerMetadata } : {}),
    logHandler: (level, ...args) => {
      log(`[${name}] ${level}: ${args.map(format).join(' ')}`);
    },
  });
}
