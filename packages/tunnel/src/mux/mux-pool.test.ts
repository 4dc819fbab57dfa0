// MuxPool over @ktctl/mux to the bundled shadow agent: the shared SessionPool suite (test/pool-suite.ts), then
// what only mux carries here (reverse forwards).
import { createServer, connect, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startAgent } from '../../test/agent.js';
import { describePoolAgainstAgent } from '../../test/pool-suite.js';
import { MuxPool } from './mux-pool.js';
import { MuxTunnelSession } from './mux-session.js';

const fixture = describePoolAgainstAgent({
  name: 'MuxPool against the shadow agent',
  agentPort: 'muxPort',
  create: (options) => new MuxPool(options),
  refusedKey: /mux handshake failed/i,
});

describe('MuxTunnelSession reverse forwards', () => {
  it('binds a port in the agent and hands each connection there to onForwarded; reject() cuts it', async () => {
    fixture.agent = await startAgent();
    const agent = fixture.agent;
    const session = await MuxTunnelSession.open({
      transport: await fixture.openTransport(() => agent.muxPort)(),
      privateKey: agent.privateKey,
    });
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const remote = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    await session.forwardIn(remote);
    let refuse = false;
    session.onForwarded((port, accept, reject) => (refuse ? reject() : accept().end(`via ${port}`)));
    const fetch = (): Promise<string> =>
      new Promise((resolve) => {
        let text = '';
        const socket = connect({ host: '127.0.0.1', port: remote });
        socket.on('data', (d: Buffer) => (text += d.toString())).on('close', () => resolve(text));
        socket.on('error', () => undefined);
      });
    expect(await fetch()).toBe(`via ${remote}`);
    refuse = true;
    expect(await fetch()).toBe('');
    await expect(session.forwardIn(remote)).rejects.toThrow(/could not listen/);
    session.close();
  });
});
