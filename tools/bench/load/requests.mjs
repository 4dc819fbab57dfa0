// Closed-loop request load: node requests.mjs <h1|grpc> <url|host:port> <concurrency> <seconds>
//   h1:   GET <url> over <concurrency> keep-alive HTTP/1.1 connections (one request in flight on each)
//   grpc: unary calls /kt.testapp.Echo/Unary over one h2c session with <concurrency> streams in flight
// A 0.5 s warm-up is not counted. Prints JSON {requests, rps, p50, p99, failures, cpuUsPerRequest}: milliseconds,
// and this client's own CPU time per request (from the first request on, warm-up included on both sides).
import http from 'node:http';
import http2 from 'node:http2';

const [mode, target, concurrencyText, secondsText] = process.argv.slice(2);
const concurrency = Number(concurrencyText ?? 1);
const seconds = Number(secondsText ?? 3);
const WARMUP_MS = 500;

/** google.protobuf.StringValue{value: "hi"}, gRPC length-prefixed. */
const GRPC_MESSAGE = Buffer.from([0, 0, 0, 0, 4, 0x0a, 0x02, 0x68, 0x69]);

function h1Caller() {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  return {
    call: () =>
      new Promise((resolve) => {
        const req = http.get(target, { agent, timeout: 5000 }, (res) => {
          res.on('data', () => undefined);
          res.on('end', () => resolve(res.statusCode === 200));
        });
        req.on('error', () => resolve(false));
        req.on('timeout', () => req.destroy(new Error('timeout')));
      }),
    close: () => agent.destroy(),
  };
}

function grpcCaller() {
  const session = http2.connect(`http://${target}`);
  session.on('error', () => undefined);
  const headers = { ':method': 'POST', ':path': '/kt.testapp.Echo/Unary', 'content-type': 'application/grpc', te: 'trailers' };
  return {
    call: () =>
      new Promise((resolve) => {
        const stream = session.request(headers);
        let status;
        stream.on('response', (h) => (status = h['grpc-status'] ?? status));
        stream.on('trailers', (t) => (status = t['grpc-status']));
        stream.on('data', () => undefined);
        stream.on('end', () => resolve(status === '0'));
        stream.on('error', () => resolve(false));
        stream.setTimeout(5000, () => stream.close(http2.constants.NGHTTP2_CANCEL));
        stream.end(GRPC_MESSAGE);
      }),
    close: () => session.close(),
  };
}

const caller = mode === 'grpc' ? grpcCaller() : h1Caller();
const times = [];
let failures = 0;
const start = Date.now();
const countFrom = start + WARMUP_MS;
const end = countFrom + seconds * 1000;
let countedStart = 0;
let all = 0;

async function worker() {
  while (Date.now() < end) {
    const t0 = process.hrtime.bigint();
    const ok = await caller.call();
    all++;
    if (Date.now() < countFrom) continue;
    if (!ok) failures++;
    else times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
}

const cpu0 = process.cpuUsage();
await Promise.all(Array.from({ length: concurrency }, worker));
countedStart = Date.now() - countFrom;
caller.close();
times.sort((a, b) => a - b);
const at = (q) => times[Math.min(times.length - 1, Math.max(0, Math.ceil(q * times.length) - 1))] ?? NaN;
const cpu = process.cpuUsage(cpu0);
const cpuUsPerRequest = (cpu.user + cpu.system) / all;
console.log(
  JSON.stringify({
    requests: times.length,
    rps: times.length / (countedStart / 1000),
    p50: at(0.5),
    p99: at(0.99),
    failures,
    cpuUsPerRequest,
  }),
);
