// A real pointsd for the Node tests and benchmarks: `pointsd --demo` on free ports (gRPC and
// HTTP on 127.0.0.1, port 0 unless asked), its store in `dataDir`, no stats, no rate limit.
// Resolves once its first stdout line says where it listens.
import { spawn } from 'node:child_process';
import readline from 'node:readline';

export function startPointsd(pointsd, dataDir, { grpcPort = 0, httpPort = 0, flags = [] } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      pointsd,
      ['--demo', '--listen', `127.0.0.1:${grpcPort}`, '--http-listen', `127.0.0.1:${httpPort}`,
       '--data-dir', dataDir, '--stats-seconds', '0', '--rate-limit', '0', ...flags],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let log = '';
    child.stderr.on('data', (chunk) => (log += chunk));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`pointsd exited (${code}) before listening: ${log}`)));
    readline.createInterface({ input: child.stdout }).once('line', (line) => {
      const grpc = /listening on 127\.0\.0\.1:(\d+),/.exec(line);
      const http = /http on http:\/\/127\.0\.0\.1:(\d+)/.exec(line);
      if (!grpc || !http) return reject(new Error(`unexpected first line: ${line}`));
      child.removeAllListeners('exit');
      resolve({ child, grpcPort: Number(grpc[1]), httpPort: Number(http[1]), log: () => log });
    });
  });
}

// SIGTERM (a drain), then its exit code.
export function stopPointsd(server) {
  return new Promise((resolve) => {
    if (server.child.exitCode !== null) return resolve(server.child.exitCode);
    server.child.once('exit', (code) => resolve(code));
    server.child.kill('SIGTERM');
  });
}
