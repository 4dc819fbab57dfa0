import { createSocket } from 'node:dgram';
import { createServer, type AddressInfo } from 'node:net';

/** A port free for both TCP and UDP on 127.0.0.1 right now (a DNS server needs both). */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const tcp = createServer();
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    const port = (tcp.address() as AddressInfo).port;
    const udp = createSocket('udp4');
    const ok = await new Promise<boolean>((resolve) => {
      udp.once('error', () => resolve(false));
      udp.bind(port, '127.0.0.1', () => resolve(true));
    });
    udp.close();
    await new Promise((resolve) => tcp.close(resolve));
    if (ok) return port;
  }
  throw new Error('no free TCP+UDP port');
}
