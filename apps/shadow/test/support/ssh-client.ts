import { readFile } from 'node:fs/promises';
import ssh2 from 'ssh2';
import type { ClientChannel } from 'ssh2';
import type { AgentProcess } from './agent.js';

/** An ssh2 client (the library ktctl's laptop side uses) logged in to the agent. */
export async function connectClient(agent: AgentProcess, auth: { privateKey?: Buffer; password?: string } = {}): Promise<ssh2.Client> {
  const client = new ssh2.Client();
  const privateKey = auth.password ? undefined : (auth.privateKey ?? (await readFile(agent.key)));
  await new Promise<void>((resolve, reject) => {
    client.once('ready', resolve).once('error', reject);
    client.connect({ host: '127.0.0.1', port: agent.sshPort, username: 'root', privateKey, password: auth.password, readyTimeout: 5_000 });
  });
  return client;
}

/** Opens a direct-tcpip channel to host:port through the agent. */
export function openChannel(client: ssh2.Client, host: string, port: number): Promise<ClientChannel> {
  return new Promise((resolve, reject) =>
    client.forwardOut('127.0.0.1', 0, host, port, (error, channel) => (error ? reject(error) : resolve(channel))),
  );
}

/** Opens a session channel running `subsystem`. */
export function openSubsystem(client: ssh2.Client, name: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) => client.subsys(name, (error, channel) => (error ? reject(error) : resolve(channel))));
}

/** Resident set size of a process in MiB, from /proc. */
export async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) / 1024;
}
