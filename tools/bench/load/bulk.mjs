// One bulk download over HTTP: node bulk.mjs <url>. Prints JSON {bytes, seconds, mbPerSecond}.
// Used inside the cluster (the in-cluster client pod runs the shadow image's node), so it needs no curl.
import http from 'node:http';

const [url] = process.argv.slice(2);
const start = process.hrtime.bigint();
http
  .get(url, { timeout: 120_000 }, (response) => {
    let bytes = 0;
    response.on('data', (chunk) => (bytes += chunk.length));
    response.on('end', () => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      console.log(JSON.stringify({ bytes, seconds, mbPerSecond: bytes / seconds / 1e6 }));
    });
  })
  .on('error', (error) => {
    console.log(JSON.stringify({ error: error.message }));
    process.exitCode = 1;
  })
  .on('timeout', function onTimeout() {
    this.destroy(new Error('timeout'));
  });
