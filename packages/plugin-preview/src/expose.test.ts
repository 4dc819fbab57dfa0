import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { AGENT_DNS_PORT, AGENT_SSH_PORT } from '@ktctl/kube';
import { checkPreviewName, parseExpose, requireListening } from './expose.js';

describe('parseExpose', () => {
  it('reads port and local:remote, comma separated', () => {
    expect(parseExpose('8080')).toEqual([{ local: 8080, remote: 8080 }]);
    expect(parseExpose('3000:80, 9000')).toEqual([{ local: 3000, remote: 80 }, { local: 9000, remote: 9000 }]);
  });

  it('refuses a missing, malformed or repeated port with a usage error', () => {
    expect(() => parseExpose('')).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringContaining('--expose is required') }));
    for (const bad of ['http', '1:2:3', '8080:', '0', '70000']) expect(() => parseExpose(bad), bad).toThrow(expect.objectContaining({ exitCode: 2, code: 'KT_INVALID_FLAG' }));
    expect(() => parseExpose('80,3000:80')).toThrow(/remote port 80 twice/);
    expect(() => parseExpose('2222:22')).toThrow("Remote port 22 is the shadow agent's own (22, 53)");
    expect(() => parseExpose('53')).toThrow(/Remote port 53 is the shadow agent's own/);
    // The default list is the agent's contract (kept as literals so the command loads without @ktctl/kube).
    expect(() => parseExpose(`${AGENT_SSH_PORT}`)).toThrow(/agent's own/);
    expect(() => parseExpose(`${AGENT_DNS_PORT}`)).toThrow(/agent's own/);
  });
});

describe('requireListening', () => {
  it('passes when every local port listens, and names the ones that do not', async () => {
    const server = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const open = (server.address() as { port: number }).port;
    const closed = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => closed.once('listening', r));
    const free = (closed.address() as { port: number }).port;
    await new Promise((r) => closed.close(r));
    try {
      await expect(requireListening([{ local: open, remote: 80 }])).resolves.toBeUndefined();
      await expect(requireListening([{ local: open, remote: 80 }, { local: free, remote: 81 }])).rejects.toMatchObject({
        code: 'KT_PORT_NOT_LISTENING',
        message: `Nothing listens on local port ${free} (127.0.0.1)`,
      });
    } finally {
      server.close();
    }
  });
});

describe('checkPreviewName', () => {
  it('takes DNS-1035 labels that leave room for the shadow suffix', () => {
    expect(checkPreviewName('demo-1')).toBe('demo-1');
    for (const bad of ['Demo', '1demo', 'demo_1', 'demo-', 'a'.repeat(55)]) expect(() => checkPreviewName(bad), bad).toThrow(expect.objectContaining({ exitCode: 2 }));
  });
});
