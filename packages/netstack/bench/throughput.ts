// Bulk throughput of the stack against the Linux kernel's TCP through a real TUN device (root needed):
// curl downloads from the stack, a Node client uploads to it. Two device readers: 'fs' (one fs.read per
// packet through libuv's pool, as netplatform-linux reads) and 'ring' (a worker thread, test/ring-reader.ts).
// Prints a table and one JSON line.
//   npx tsx bench/throughput.ts [MiB=256] [repetitions=3]
import { canUseNetns, StackNamespace } from '../test/netns.js';

const mib = Number(process.argv[2] ?? 256);
const repetitions = Number(process.argv[3] ?? 3);
const bytes = mib * 1024 * 1024;

const upload = `
  const net = require('net');
  const chunk = Buffer.alloc(1 << 20, 7); let left = ${bytes}; const start = process.hrtime.bigint();
  const s = net.connect({ host: '10.202.0.5', port: 10, allowHalfOpen: true });
  let answer = '';
  s.on('data', (d) => (answer += d));
  s.on('end', () => { const seconds = Number(process.hrtime.bigint() - start) / 1e9; console.log(JSON.stringify({ answer, seconds })); });
  const pump = () => { while (left > 0) { left -= chunk.length; if (!s.write(chunk)) return void s.once('drain', pump); } s.end(); };
  s.on('connect', pump);`;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

type Reader = 'fs' | 'ring';

async function measure(
  mtu: number,
  reader: Reader,
): Promise<{ mtu: number; reader: Reader; downloadMBps: number; uploadMBps: number; stats: unknown }> {
  const ns = new StackNamespace();
  await ns.start(mtu, 0, reader);
  try {
    const downloads: number[] = [];
    const uploads: number[] = [];
    for (let i = 0; i < repetitions; i++) {
      const out = await ns.run(
        'curl',
        ['-sS', '-o', '/dev/null', '-w', '%{size_download} %{speed_download}', `http://10.202.0.9/bytes/${bytes}`],
        600_000,
      );
      const [size, speed] = out.split(' ').map(Number);
      if (size !== bytes) throw new Error(`curl got ${size} bytes`);
      downloads.push(speed! / 1e6);
      const result = JSON.parse(await ns.node(upload, 600_000)) as { answer: string; seconds: number };
      if (!result.answer.startsWith(`${bytes} `)) throw new Error(`upload answered ${result.answer}`);
      uploads.push(bytes / result.seconds / 1e6);
    }
    return { mtu, reader, downloadMBps: median(downloads), uploadMBps: median(uploads), stats: await ns.stop() };
  } catch (error) {
    await ns.stop();
    throw error;
  }
}

if (!canUseNetns()) {
  console.error('needs root and `ip netns` (the stack runs on a TUN device in a namespace of its own)');
  process.exit(2);
}
const results = [];
for (const mtu of [1500, 65000]) for (const reader of ['fs', 'ring'] as const) results.push(await measure(mtu, reader));
console.log(`kernel TCP <-> netstack over TUN, ${mib} MiB, median of ${repetitions}`);
console.log('MTU     reader   download MB/s   upload MB/s');
for (const r of results)
  console.log(
    `${String(r.mtu).padEnd(8)}${r.reader.padEnd(9)}${r.downloadMBps.toFixed(1).padStart(13)}${r.uploadMBps.toFixed(1).padStart(14)}`,
  );
console.log(JSON.stringify({ mib, repetitions, results }));
