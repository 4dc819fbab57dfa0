import { exchange as startExchange, type Exchange as RunningExchange, type ExchangeMode } from '@ktctl/traffic/exchange';
import { clientFromFlags } from '@ktctl/kube';
import { VERSION, quietLogger, resolveGlobals, type ClusterOptions } from './index.js';

export interface ExchangeOptions extends ClusterOptions {
  /** `svc`, `service/x`, `deployment/x` or `pod/x`. */
  readonly target: string;
  /** As `--expose`: `8080` or `3000:8080` (local:target port). */
  readonly expose: string | readonly string[];
  /** `selector` (default): the Service's selector points at the shadow; `scale`: the Deployments go to 0. */
  readonly mode?: ExchangeMode;
  /** Seconds close() waits for scaled-down Deployments to be ready again (scale mode; default 120). */
  readonly recoverWaitTime?: number;
  readonly skipPortChecking?: boolean;
}

export type Exchange = RunningExchange;

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
    return { ...running, close: (skipWait) => running.close(skipWait).finally(() => client.close()) };
  } catch (error) {
    client.close();
    throw error;
  }
}
