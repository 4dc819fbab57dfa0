/** tcpip-forward and cancel-tcpip-forward from the ssh2 client ktctl's exchange/preview will use. */
import { connect } from 'node:net';
import type ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnAgent, type AgentProcess } from './support/agent.js';
import { freePort } from '@ktctl/testkit';
import { connectClient } from './support/ssh-client.js';

let agent: AgentProcess;
let client: ssh2.Client;

beforeAll(async () => {
  agent = await spawnAgent({}, { dnsPort: await freePort() });
  client = await connectClient(agent);
  // Every forwarded connection is answered by the "laptop" with a greeting naming the port it came in on.
  client.on('tcp connection', (info, accept) => accept().end(`hello via ${info.destPort}`));
});

afterAll(async () => {
  client?.end();
  await agent?.stop();
});

const forwardIn = (port: number) =>
  new Promise<number>((resolve, reject) => client.forwardIn('0.0.0.0', port, (e, bound) => (e ? reject(e) : resolve(bound || port))));
const unforwardIn = (port: number) =>
  new Promise<void>((resolve, reject) => client.unforwardIn('0.0.0.0', port, (e) => (e ? reject(e) : resolve())));

/** What a client connecting to the agent's port receives, or the connection error's code. */
function fetchFrom(port: number): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const socket = connect({ port, host: '127.0.0.1' });
    socket.on('data', (d: Buffer) => (text += d.toString())).on('end', () => resolve(text));
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  });
}

describe('remote forwards', () => {
  it('binds the port asked for, and a port of its choosing for 0, reporting the bound port', async () => {
    const asked = await freePort();
    expect(await forwardIn(asked)).toBe(asked);
    expect(await fetchFrom(asked)).toBe(`hello via ${asked}`);
    const chosen = await forwardIn(0);
    expect(chosen).toBeGreaterThan(0);
    expect(await fetchFrom(chosen)).toBe(`hello via ${chosen}`);
  });

  it('refuses a port that is already taken', async () => {
    const port = await forwardIn(0);
    await expect(forwardIn(port)).rejects.toThrow();
  });

  it('stops listening on cancel-tcpip-forward', async () => {
    const port = await forwardIn(0);
    await unforwardIn(port);
    expect(await fetchFrom(port)).toBe('ECONNREFUSED');
    await expect(unforwardIn(port)).rejects.toThrow();
  });
});
