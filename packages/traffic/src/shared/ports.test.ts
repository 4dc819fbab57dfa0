import { createServer, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { AGENT_DNS_PORT, AGENT_SSH_PORT } from '@ktctl/agent-contract';
import { AGENT_PORTS, checkLocalPorts, parseExpose } from './ports.js';

describe('parseExpose', () => {
  it('reads port and local:remote, comma separated or repeated', () => {
    expect(parseExpose('8080')).toEqual([{ local: 8080, remote: 8080 }]);
    expect(parseExpose('3000:8080, 9000')).toEqual([
      { local: 3000, remote: 8080 },
      { local: 9000, remote: 9000 },
    ]);
    expect(parseExpose(['1:2', '3'])).toEqual([
      { local: 1, remote: 2 },
      { local: 3, remote: 3 },
    ]);
  });

  it('refuses what is not a port, three parts, a remote port given twice, and nothing at all, as usage errors', () => {
    expect(() => parseExpose('http')).toThrow(/"http" is not a port/);
    for (const bad of ['70000', '0', '8080:', '1:2:3'])
      expect(() => parseExpose(bad), bad).toThrow(expect.objectContaining({ exitCode: 2, code: 'KT_INVALID_FLAG' }));
    expect(() => parseExpose('1:80,2:80')).toThrow(/remote port 80 is given twice/);
    expect(() => parseExpose('', 'e.g. --expose 8080 (preview)')).toThrow(
      expect.objectContaining({ message: expect.stringContaining('--expose is required'), hint: 'e.g. --expose 8080 (preview)' }),
    );
  });

  it("refuses the shadow agent's own ports as remote ports", () => {
    expect(AGENT_PORTS).toEqual([AGENT_SSH_PORT, AGENT_DNS_PORT]);
    expect(() => parseExpose('2222:22')).toThrow("Remote port 22 is the shadow agent's own (22, 53)");
    expect(() => parseExpose('53')).toThrow(/Remote port 53 is the shadow agent's own/);
  });
});

describe('checkLocalPorts', () => {
  const listen = async (): Promise<Server> => {
    const server = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    return server;
  };

  it('passes when every local port listens, and names every one that does not', async () => {
    const open = await listen();
    const closed = await listen();
    const [openPort, free] = [open, closed].map((s) => (s.address() as { port: number }).port);
    await new Promise((r) => closed.close(r));
    try {
      await expect(checkLocalPorts([{ local: openPort!, remote: 80 }])).resolves.toBeUndefined();
      await expect(
        checkLocalPorts([
          { local: openPort!, remote: 80 },
          { local: free!, remote: 81 },
        ]),
      ).rejects.toMatchObject({
        code: 'KT_PORT_NOT_LISTENING',
        message: `Nothing listens on local port ${free} (127.0.0.1)`,
        hint: expect.stringContaining('--skipPortChecking'),
      });
    } finally {
      open.close();
    }
  });
});
