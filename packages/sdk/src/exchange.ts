import { exchange as startExchange } from '@ktctl/traffic/exchange';
import { clientFromFlags } from '@ktctl/kube';
import { VERSION, quietLogger, resolveGlobals, type ClusterOptions } from './index.js';

export interface ExchangeOptions extends ClusterOptions {
  /** `svc`, `service/x`, `deployment/x` or `pod/x`. */
  readonly target: string;
  /** As `--expose`: `8080` or `3000:8080` (local:target port). */
  readonly expose: string | readonly string[];
  /** `selector` (default): the Service's selector points at the shadow; `scale`: the Deployments go to 0. */
  readonly mode?: 'selector' | 'scale';
  /** Seconds close() waits for scaled-down Deployments to be ready again (scale mode; default 120). */
  readonly recoverWaitTime?: number;
  readonly skipPortChecking?: boolean;
}

/** A running exchange (its own types, so the published declarations stand alone). */
export interface Exchange {
  readonly service: string;
  readonly namespace: string;
  readonly shadow: string;
  readonly mode: 'selector' | 'scale';
  readonly ports: readonly { readonly local: number; readonly remote: number }[];
  /** Resolves with a line for the user when someone else took the Service meanwhile: stop then. */
  readonly lost: Promise<string>;
  /** Puts the Service (or the Deployments) back and removes the shadow; returns the steps that failed. */
  close(skipWait?: AbortSignal): Promise<string[]>;
}

/** `ktctl exchange`: a Service's traffic goes to ports on this machine until close() puts it back. */
export async function exchange(options: ExchangeOptions): Promise<Exchange> {
  const flags = resolveGlobals(options);
  const logger = options.logger ?? quietLogger;
  const client = clientFromFlags(flags);
  try {
    const running = await startExchange(
      {
        target: options.target,
        mode: options.mode ?? 'selector',
        expose: options.expose,
        recoverWaitTime: options.recoverWaitTime ?? 120,
        skipPortChecking: options.skipPortChecking ?? false,
        flags,
        version: VERSION,
      },
      {
        client,
        logger,
        onEvent: (event) => logger.debug(JSON.stringify(event)),
        signal: options.signal ?? new AbortController().signal,
        env: process.env,
      },
    );
    return {
      service: running.service,
      namespace: running.namespace,
      shadow: running.shadow,
      mode: running.mode as Exchange['mode'],
      ports: running.ports,
      lost: running.lost,
      close: (skipWait) => running.close(skipWait).finally(() => client.close()),
    };
  } catch (error) {
    client.close();
    throw error;
  }
}
