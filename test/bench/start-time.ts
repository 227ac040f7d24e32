import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** One `npm start` measured: until the app printed its URL, and until its home page answered 200. */
export interface StartTime {
  printedMs: number;
  answeredMs: number;
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** package.json's `start` script without `node`, run with this node (what `npm start` runs, minus npm itself). */
function startArgs(): string[] {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };
  return (pkg.scripts['start'] ?? '').split(' ').slice(1);
}

function once(): Promise<StartTime> {
  const started = performance.now();
  const child = spawn(process.execPath, startArgs(), { cwd: ROOT, env: { ...process.env, PORT: '0', SANDBOX_PORT: '0', SE_CLIENT_ID: '', SE_KEY: '' } });
  let output = '';
  return new Promise<StartTime>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const url = /Example app: (http:\/\/\S+)/.exec(output)?.[1];
      if (url === undefined) return;
      child.stdout.off('data', onData);
      const printedMs = performance.now() - started;
      fetch(`${url}/`)
        .then((res) => {
          if (res.status !== 200) throw new Error(`the home page answered ${res.status}`);
          resolve({ printedMs, answeredMs: performance.now() - started });
        })
        .catch(reject)
        .finally(() => child.kill('SIGTERM'));
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${output}`)));
  });
}

/** Runs the start command `runs` times in a row (sandbox mode, ports picked by the system). */
export async function benchStartTime(runs: number): Promise<StartTime[]> {
  const times: StartTime[] = [];
  for (let i = 0; i < runs; i += 1) times.push(await once());
  return times;
}
