// Sequential request latency over one keep-alive connection: node latency.mjs <url> <count> [proxyHost:port]
// Prints JSON {p50, p99, mean, failures} in milliseconds. Runs inside the laptop namespace.
import http from 'node:http';

const [url, countText] = process.argv.slice(2);
const count = Number(countText ?? 2000);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const times = [];
let failures = 0;

function once() {
  return new Promise((resolve) => {
    const start = process.hrtime.bigint();
    const request = http.get(url, { agent, timeout: 5000 }, (response) => {
      response.on('data', () => undefined);
      response.on('end', () => {
        times.push(Number(process.hrtime.bigint() - start) / 1e6);
        resolve();
      });
    });
    request.on('error', () => {
      failures++;
      resolve();
    });
    request.on('timeout', () => request.destroy(new Error('timeout')));
  });
}

for (let i = 0; i < count; i++) await once();
times.sort((a, b) => a - b);
const at = (q) => times[Math.min(times.length - 1, Math.max(0, Math.ceil(q * times.length) - 1))] ?? NaN;
console.log(JSON.stringify({ p50: at(0.5), p99: at(0.99), mean: times.reduce((a, b) => a + b, 0) / (times.length || 1), failures }));
agent.destroy();
