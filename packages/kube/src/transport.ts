import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { isUserError } from '@ktctl/plugin-api';
import { Credentials, type Authentication } from './auth/credentials.js';
import { proxyAgent, proxyFor } from './auth/proxy.js';
import { apiError, transportError, type Action } from './errors.js';
import type { KubeconfigExtras } from './kubeconfig.js';

/**
 * TLS and auth for one connection, and the agent that reaches the server (through the proxy when one
 * applies; undefined when direct): what both https.request and the `ws` client accept. The agent keeps
 * no idle sockets, for long-lived connections (WebSockets, watches).
 */
export interface ConnectOptions extends Authentication {
  agent?: http.Agent | undefined;
}

/** A response of the API server, with its `Date` header (the cluster's clock). */
export interface ApiResponse<T> {
  status: number;
  body: T;
  date: Date | undefined;
}

/** What a request sends; `action` names the operation in error messages ("create pods in x"). */
export interface RequestSpec {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  body?: unknown;
  contentType?: string;
  action: Action;
  timeoutMs?: number;
}

/**
 * Plain JSON requests to the API server over one keep-alive agent, authenticated as kubectl would
 * (`Credentials`) and through the proxy kubectl would use (`proxy-url`, HTTPS_PROXY/NO_PROXY). Owning
 * this (instead of the generated clients) gives every response's Date header and merge patches without
 * ceremony.
 */
export class ApiTransport {
  readonly server: URL;
  /** The proxy in front of the API server, if any. */
  readonly proxy: URL | undefined;
  readonly credentials: Credentials;
  private readonly agent: http.Agent;
  private readonly streamAgent: http.Agent | undefined;

  constructor(
    readonly kubeConfig: KubeConfig,
    extras: KubeconfigExtras = {},
    env: NodeJS.ProcessEnv = process.env,
  ) {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    this.server = new URL(cluster.server);
    this.proxy = proxyFor(this.server, cluster.proxyUrl, env);
    this.credentials = new Credentials(kubeConfig, extras, env);
    const Agent = this.server.protocol === 'http:' ? http.Agent : https.Agent;
    const pooled = { keepAlive: true, maxSockets: 32 };
    this.agent = proxyAgent(this.server, this.proxy, pooled) ?? new Agent(pooled);
    this.streamAgent = proxyAgent(this.server, this.proxy, { keepAlive: false });
  }

  /** TLS material and auth headers for a new connection; refreshed per call so exec tokens stay fresh. */
  async connectOptions(): Promise<ConnectOptions> {
    const auth = await this.credentials.apply();
    return { ...auth, headers: { ...auth.headers }, agent: this.streamAgent };
  }

  /** Sends one request; resolves for 2xx, throws a UserError/Error for the rest. A 401 retries once with fresh credentials. */
  async request<T = unknown>(spec: RequestSpec): Promise<ApiResponse<T>> {
    try {
      return await this.requestOnce<T>(spec);
    } catch (err) {
      if (isUserError(err) && (err.cause as { status?: number } | undefined)?.status === 401 && this.credentials.invalidate()) {
        return this.requestOnce<T>(spec);
      }
      throw err;
    }
  }

  private async requestOnce<T>(spec: RequestSpec): Promise<ApiResponse<T>> {
    const opts = await this.connectOptions();
    const payload = spec.body === undefined ? undefined : Buffer.from(JSON.stringify(spec.body));
    const headers: Record<string, string | string[]> = { ...opts.headers, Accept: 'application/json' };
    if (payload) {
      headers['Content-Type'] = spec.contentType ?? 'application/json';
      // Node frames a DELETE body with neither chunking nor a length unless told: the server would read it as the next request.
      headers['Content-Length'] = String(payload.length);
    }
    const url = new URL(spec.path, this.server);
    const res = await this.send(url, { ...opts, headers, method: spec.method, agent: this.agent }, payload, spec);
    const date = res.headers.date ? new Date(res.headers.date) : undefined;
    const text = res.text;
    const body = text ? safeJson(text) : undefined;
    if (res.status < 200 || res.status >= 300) throw apiError(res.status, body, spec.action);
    return { status: res.status, body: body as T, date };
  }

  /**
   * A GET whose body is consumed as a stream (watches). Resolves with the response once the status is 2xx;
   * there is no time limit on the body, so callers stop it with `signal`.
   */
  async openStream(path: string, action: Action, signal?: AbortSignal): Promise<http.IncomingMessage> {
    const opts = await this.connectOptions();
    const url = new URL(path, this.server);
    const lib = url.protocol === 'http:' ? http : https;
    // A watch holds its connection for minutes: keep it off the shared keep-alive pool.
    const options: https.RequestOptions = { ...opts, headers: { ...opts.headers, Accept: 'application/json' }, method: 'GET', signal };
    return new Promise((resolve, reject) => {
      const req = lib.request(url, options, (res) => {
        if ((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300) return resolve(res);
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => reject(apiError(res.statusCode ?? 0, safeJson(Buffer.concat(chunks).toString('utf8')), action)));
      });
      req.on('error', (err) => reject(signal?.aborted || isUserError(err) ? err : transportError(err, this.server, action)));
      req.end();
    });
  }

  private send(
    url: URL,
    options: https.RequestOptions,
    payload: Buffer | undefined,
    spec: RequestSpec,
  ): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
    const lib = url.protocol === 'http:' ? http : https;
    return new Promise((resolve, reject) => {
      const req = lib.request(url, options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', (err) => reject(transportError(err, this.server, spec.action)));
      });
      req.setTimeout(spec.timeoutMs ?? 30_000, () => req.destroy(Object.assign(new Error('request timed out'), { code: 'ETIMEDOUT' })));
      // A proxy that gave no tunnel already failed with its own one-line UserError.
      req.on('error', (err) => reject(isUserError(err) ? err : transportError(err, this.server, spec.action)));
      req.end(payload);
    });
  }

  /** Closes idle keep-alive connections so the process can exit. */
  close(): void {
    this.agent.destroy();
    this.streamAgent?.destroy();
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
