import { afterEach, describe, expect, it } from 'vitest';
import { startFakeApiServer, type FakeApiServer } from './fake-server.test-helper.js';
import { openForwardStream } from './stream.js';

let server: FakeApiServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const target = { namespace: 'ns', pod: 'p', port: 9000 };

describe('PortForwardStream against a fake kubelet', () => {
  it('frames data both ways and strips the port prefixes', async () => {
    server = await startFakeApiServer({
      onConnect: (ws) => ws.on('message', (m: Buffer) => ws.send(Buffer.concat([Buffer.from([0]), m.subarray(1)]))),
    });
    const stream = await openForwardStream(server.transport, target);
    const echoed = new Promise<string>((resolve) => stream.once('data', (d: Buffer) => resolve(d.toString())));
    stream.write('hello');
    expect(await echoed).toBe('hello');
    stream.destroy();
  });

  it('ends on a normal close, fails on an abnormal one', async () => {
    server = await startFakeApiServer();
    const normal = await openForwardStream(server.transport, target);
    normal.resume();
    server.sockets.at(-1)!.close(1000);
    await new Promise<void>((resolve, reject) => normal.once('end', resolve).once('error', reject));

    const dropped = await openForwardStream(server.transport, target);
    dropped.resume();
    server.sockets.at(-1)!.close(1011, 'kubelet gone');
    const err = await new Promise<Error>((resolve) => dropped.once('error', resolve));
    expect(err.message).toBe('port-forward to p:9000 dropped (WebSocket 1011 kubelet gone)');
  });

  it('turns a normal close into an error when the pod turns out to be gone', async () => {
    server = await startFakeApiServer();
    const stream = await openForwardStream(server.transport, target, { verifyRemoteClose: async () => new Error('the pod is gone') });
    stream.resume();
    server.sockets.at(-1)!.close(1000);
    const err = await new Promise<Error>((resolve) => stream.once('error', resolve));
    expect(err.message).toBe('the pod is gone');
  });

  it('closes within a moment while paused by backpressure (ws would otherwise wait 30 s for the close frame)', async () => {
    let serverClosed: Promise<number> | undefined;
    server = await startFakeApiServer({
      onConnect: (ws) => {
        serverClosed = new Promise((resolve) => ws.once('close', () => resolve(Date.now())));
        // More than the stream's read buffer, never read: the stream pauses its WebSocket.
        for (let i = 0; i < 64; i++) ws.send(Buffer.concat([Buffer.from([0]), Buffer.alloc(64 * 1024)]));
      },
    });
    const stream = await openForwardStream(server.transport, target);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = Date.now();
    stream.destroy();
    expect((await serverClosed!) - started).toBeLessThan(5_000);
  });

  it('fails when pings go unanswered', async () => {
    server = await startFakeApiServer({ autoPong: false });
    const stream = await openForwardStream(server.transport, target, { pingIntervalMs: 50 });
    const err = await new Promise<Error>((resolve) => stream.once('error', resolve));
    expect(err.message).toContain('no answer to keepalive pings');
  });

  it('reports an error-channel message as the stream error', async () => {
    server = await startFakeApiServer({
      onConnect: (ws) => setTimeout(() => ws.send(Buffer.from('\u0001dial tcp 127.0.0.1:9000: connect: connection refused')), 20),
    });
    const stream = await openForwardStream(server.transport, target);
    const err = await new Promise<Error>((resolve) => stream.once('error', resolve));
    expect(err.message).toBe('nothing listens on port 9000 in pod p (connection refused)');
  });

  it('fails to open with KT_FORBIDDEN naming pods/portforward when RBAC says no', async () => {
    server = await startFakeApiServer({
      rejectUpgrade: { status: 403, body: { kind: 'Status', message: 'pods "p" is forbidden', reason: 'Forbidden' } },
    });
    await expect(openForwardStream(server.transport, target)).rejects.toMatchObject({
      code: 'KT_FORBIDDEN',
      message: 'You may not create pods/portforward in namespace ns',
    });
  });

  it('makes local writes wait while the peer does not read (bounded send queue)', async () => {
    server = await startFakeApiServer({ onConnect: (ws) => (ws as unknown as { _socket: { pause(): void } })._socket.pause() });
    const stream = await openForwardStream(server.transport, target, { sendHighWaterMark: 256 * 1024 });
    const chunk = Buffer.alloc(64 * 1024, 7);
    let accepted = 0;
    const deadline = Date.now() + 3_000;
    while (Date.now() < deadline && accepted < 512 * 1024 * 1024) {
      if (stream.write(chunk)) accepted += chunk.length;
      else {
        const drained = await Promise.race([
          new Promise((r) => stream.once('drain', () => r(true))),
          new Promise((r) => setTimeout(() => r(false), 300)),
        ]);
        if (!drained) break;
        accepted += chunk.length;
      }
    }
    // The kernel buffers a few MiB on loopback; past that the stream must stop taking data.
    expect(accepted).toBeLessThan(64 * 1024 * 1024);
    expect(stream.bufferedAmount).toBeLessThan(16 * 1024 * 1024);
    stream.destroy();
  });
});
