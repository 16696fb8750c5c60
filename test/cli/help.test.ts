import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { run } from './fakePromoterApi.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('promoter --help', () => {
  it('lists the commands and the settings, and exits 0', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(0);
    for (const command of ['approve', 'reject', 'status', 'history'])
      expect(result.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    expect(result.stdout).toContain('PROMOTER_SERVICEBUS_NAMESPACE');
    expect(result.stdout).toContain('--url <url>');
  });

  it.each([['approve'], ['reject'], ['status'], ['history']])(
    'documents `%s` with examples',
    async (command) => {
      const result = await run([command, '--help']);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`Usage: promoter ${command} [options] <repository>`);
      expect(result.stdout).toContain(`$ promoter ${command} `);
    },
  );

  it('lists the exit codes in approve --help', async () => {
    const { stdout } = await run(['approve', '--help']);
    expect(stdout).toContain('--wait [seconds]');
    expect(stdout).toMatch(
      /Exit codes: 0 accepted.*1 the transport failed, 2 bad input,\s+3 rejected/s,
    );
  });

  it('prints the usage and exits 2 when run without a command', async () => {
    const result = await run([]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Usage: promoter [options] [command]');
  });

  it('exits 2 on an unknown command', async () => {
    const result = await run(['promote', 'myapp']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("error: unknown command 'promote'");
  });

  it('runs as a program from its shebang entry point', async () => {
    const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
    const { stdout } = await promisify(execFile)(tsx, ['src/cli/promoter.ts', '--help'], {
      cwd: root,
    });
    expect(stdout).toContain('Usage: promoter [options] [command]');
  });

  it('exits the process with the CLI’s exit code', async () => {
    const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
    const failure = await promisify(execFile)(tsx, ['src/cli/promoter.ts', 'status', 'My App'], {
      cwd: root,
    }).catch((error: unknown) => error as { code: number; stderr: string });
    expect(failure).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('promoter: repository:') as unknown,
    });
  });
});
