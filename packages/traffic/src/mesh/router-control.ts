// Talking to the running router on its control port (through a port-forward): push a rule set, then
// wait until /healthz shows it, so "joined" means requests are routed by the new rules now.
import { request } from 'node:http';
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROUTER_CONTROL_PORT, type RouterHealth, type RouterRuleSet } from '@ktctl/agent-contract';
import { PortForwarder, type KubeClient } from '@ktctl/kube';

/** A fresh byte stream to the router's control port for each request. */
export type ControlConnect = () => Promise<Duplex>;

/** Opens streams to the named router pod's control port (the name is the same after a recreation). */
export function routerControl(client: KubeClient, pod: string, openTimeoutMs = 10_000): { connect: ControlConnect; close(): void } {
  const forwarder = new PortForwarder(
    client,
    { namespace: client.namespace, port: ROUTER_CONTROL_PORT, pod },
    { openTimeoutMs, maxAttempts: 3 },
  );
  return { connect: () => forwarder.connect(), close: () => forwarder.close() };
}

/** One HTTP/1.1 exchange over a stream; the body as text. */
async function call(
  connect: ControlConnect,
  method: 'GET' | 'PUT',
  path: string,
  body?: unknown,
): Promise<{ status: number; text: string }> {
  const stream = await connect();
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = {
      connection: 'close',
      ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
    };
    const req = request({ method, path, host: 'router', headers, createConnection: () => stream as never, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`router ${method} ${path}: no answer in 10 s`)));
    req.on('error', reject);
    req.end(payload);
  }).finally(() => stream.destroy()) as Promise<{ status: number; text: string }>;
}

/** The router's `GET /healthz`. */
export async function routerHealth(connect: ControlConnect): Promise<RouterHealth> {
  const res = await call(connect, 'GET', '/healthz');
  if (res.status !== 200) throw new Error(`router /healthz answered ${res.status}: ${res.text.trim()}`);
  return JSON.parse(res.text) as RouterHealth;
}

/**
 * Pushes `rules` (`PUT /rules`) and waits (bounded) until `/healthz` reports their generation or a newer
 * one. A 409 means the router already has a newer generation (it read the annotation first): fine too.
 * Throws when the router refuses the rules or never gets there; the annotation still carries them.
 */
export async function pushRules(connect: ControlConnect, rules: RouterRuleSet, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const res = await call(connect, 'PUT', '/rules', rules);
      if (res.status === 400 || res.status === 413)
        throw new RefusedRules(`the router refused rule set ${rules.generation}: ${res.text.trim()}`);
      if ((await routerHealth(connect)).generation >= rules.generation) return;
    } catch (error) {
      if (error instanceof RefusedRules) throw error;
      last = error;
    }
    await sleep(250);
  }
  throw new Error(
    `the router did not take rule set ${rules.generation} within ${timeoutMs / 1000} s${last ? ` (${(last as Error).message})` : ''}`,
  );
}

class RefusedRules extends Error {}
