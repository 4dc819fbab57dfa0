import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import type { Duplex } from 'node:stream';
import type ssh2 from 'ssh2';
import type { AgentProcess } from '../test/support/agent.js';
import { sshOptions } from '../test/support/agent.js';
import { startBackground } from '@ktctl/testkit';
import { freePort } from '@ktctl/testkit';
import { openChannel } from '../test/support/ssh-client.js';
import { waitForPort } from '../test/support/wait.js';
import { median } from '@ktctl/testkit';

/** A loopback server that sends `bytes` to every connection and closes it. */
export async function dataServer(bytes: number): Promise<{ port: number; server: Server }> {
  const chunk = Buffer.alloc(64 * 1024, 7);
  const server = createServer({ noDelay: true }, (socket) => {
    let sent = 0;
    const pump = (): void => {
      while (sent < bytes) {
        sent += chunk.length;
        if (!socket.write(chunk)) return;
      }
      socket.end();
    };
    socket.on('drain', pump).on('error', () => undefined);
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, server };
}

/** Reads a stream to its end; resolves to the bytes read (bounded by the sender, and by 60 s). */
function drain(stream: Duplex): Promise<number> {
  return new Promise((resolve, reject) => {
    let n = 0;
    const timer = setTimeout(() => (stream.destroy(), reject(new Error('transfer took over 60 s'))), 60_000);
    stream.on('data', (d: Buffer) => (n += d.length));
    stream.on('end', () => (clearTimeout(timer), resolve(n)));
    stream.on('error', reject);
  });
}

/** MB/s of one transfer opened by `open`, over `streams` parallel streams. */
async function measure(open: () => Promise<Duplex>, streams: number): Promise<number> {
  const started = performance.now();
  const bytes = await Promise.all(Array.from({ length: streams }, async () => drain(await open())));
  return bytes.reduce((a, b) => a + b, 0) / 1e6 / ((performance.now() - started) / 1000);
}

const tcp = (port: number) => async (): Promise<Duplex> => connect({ port, host: '127.0.0.1', noDelay: true });

/** Median MB/s (of `reps`) downloading from a loopback server: direct, via an ssh2 channel, via OpenSSH -L. */
export async function benchThroughput(agent: AgentProcess, client: ssh2.Client, sizeMiB: number, streams: number, reps = 3) {
  const { port, server } = await dataServer((sizeMiB * 1024 * 1024) / streams);
  const localPort = await freePort();
  const ssh = await startBackground(
    'ssh',
    [...sshOptions(agent, agent.key), '-N', '-L', `127.0.0.1:${localPort}:127.0.0.1:${port}`, 'root@127.0.0.1'],
    {},
  );
  await waitForPort(localPort);
  const results = { direct: [] as number[], ssh2: [] as number[], openssh: [] as number[] };
  try {
    for (let i = 0; i < reps; i++) {
      results.direct.push(await measure(tcp(port), streams));
      results.ssh2.push(await measure(() => openChannel(client, '127.0.0.1', port), streams));
      results.openssh.push(await measure(tcp(localPort), streams));
    }
  } finally {
    await ssh.stop();
    server.close();
  }
  return { directMBps: median(results.direct), ssh2MBps: median(results.ssh2), opensshMBps: median(results.openssh) };
}
