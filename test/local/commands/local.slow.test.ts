import { spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '../../..');

/** Whether a process with this ID is still running. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('npm run local', () => {
  it('stops its servers, and every process it started, when npm is sent SIGTERM', async () => {
    const npm = spawn('npm', ['run', '--silent', 'local'], { cwd: ROOT, env: { ...process.env, npm_config_update_notifier: 'false' } });
    let output = '';
    npm.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`npm run local did not start: ${output}`)), 45_000);
      npm.stdout.on('data', () => {
        if (output.includes('Ctrl-C stops the servers')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const s3Port = Number(/Local S3 \(s3rver\) at http:\/\/127\.0\.0\.1:(\d+)/.exec(output)?.[1]);
    const server = await fetch(`http://127.0.0.1:${s3Port}/`).then((answer) => answer.status);
    expect(server).toBeGreaterThan(0);

    npm.kill('SIGTERM');
    await new Promise((resolve) => npm.once('exit', resolve));
    // The servers go with it: the port no longer answers.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await expect(fetch(`http://127.0.0.1:${s3Port}/`)).rejects.toThrow('fetch failed');
    expect(alive(npm.pid!)).toBe(false);
  }, 60_000);
});
