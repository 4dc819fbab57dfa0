import { createSocket } from 'node:dgram';
import { Packet, type Question } from 'dns2';

/** Latencies of sequential lookups and how many got no NOERROR answer. */
export interface LookupRun {
  latenciesMs: number[];
  failures: number;
}

/** Asks `count` A questions over UDP one after another, cycling through `names`; each waits at most 2 s. */
export async function sequentialLookups(
  server: { host: string; port: number },
  names: readonly string[],
  count: number,
): Promise<LookupRun> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, resolve));
  const run: LookupRun = { latenciesMs: [], failures: 0 };
  try {
    for (let i = 0; i < count; i++) {
      const started = performance.now();
      const answer = await lookup(socket, server, names[i % names.length]!, i & 0xffff);
      run.latenciesMs.push(performance.now() - started);
      if (!answer || answer.header.rcode !== 0 || answer.answers.length === 0) run.failures++;
    }
  } finally {
    socket.close();
  }
  return run;
}

function lookup(
  socket: ReturnType<typeof createSocket>,
  server: { host: string; port: number },
  name: string,
  id: number,
): Promise<Packet | undefined> {
  const query = new Packet();
  query.header.id = id;
  query.header.rd = 1;
  query.questions.push({ name, type: Packet.TYPE.A, class: Packet.CLASS.IN } as Question);
  return new Promise((resolve) => {
    const timer = setTimeout(() => finish(undefined), 2_000);
    const onMessage = (message: Buffer): void => {
      const packet = Packet.parse(message);
      if (packet.header.id === id) finish(packet);
    };
    const finish = (packet: Packet | undefined): void => {
      clearTimeout(timer);
      socket.off('message', onMessage);
      resolve(packet);
    };
    socket.on('message', onMessage);
    socket.send(query.toBuffer(), server.port, server.host);
  });
}
