import { execFileSync } from 'node:child_process';
import path from 'node:path';

/**
 * Vitest global setup of the browser tests: finds Debian's chromium, installing it on a fresh machine
 * (scripts/chromium.sh), and hands its path to the test workers.
 */
export function setup(): void {
  const script = path.resolve(__dirname, '../../scripts/chromium.sh');
  const executable = execFileSync('bash', [script], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  })
    .trim()
    .split('\n')
    .at(-1);
  if (!executable) throw new Error('scripts/chromium.sh found no chromium');
  process.env.CHROMIUM_PATH = executable;
}
