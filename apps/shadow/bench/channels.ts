import { createServer, type AddressInfo } from 'node:net';
import type ssh2 from 'ssh2';
import type { AgentProcess } from '../test/support/agent.js';
import { openChannel, rssMiB } from '../test/support/ssh-client.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Agent RSS idle, at its peak while `count` channels each echo 64 KiB messages for `seconds`, and one
 * second after they close. The load is bounded in time and in channels.
 */
export async function benchChannels(agent: AgentProcess, client: ssh2.Client, count = 100, seconds = 3) {
  const pid = agent.child.pid!;
  const echo = createServer((socket) => socket.pipe(socket).on('error', () => undefined));
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  const port = (echo.address() as AddressInfo).port;
  await sleep(1_000);
  const idle = await rssMiB(pid);
  const channels = await Promise.all(Array.from({ length: count }, () => openChannel(client, '127.0.0.1', port)));
  let echoed = 0;
  const message = Buffer.alloc(64 * 1024, 1);
  const deadline = Date.now() + seconds * 1000;
  for (const channel of channels) {
    channel.on('data', (d: Buffer) => {
      echoed += d.length;
      if (Date.now() < deadline) channel.write(d.length === message.length ? message : d);
    });
    channel.write(message);
  }
  let peak = idle;
  while (Date.now() < deadline) {
    await sleep(200);
    peak = Math.max(peak, await rssMiB(pid));
  }
  channels.forEach((c) => c.close());
  await sleep(1_000);
  const after = await rssMiB(pid);
  echo.close();
  return { idleRssMiB: idle, peakRssMiB: peak, afterCloseRssMiB: after, channels: count, echoedMB: echoed / 1e6 };
}
