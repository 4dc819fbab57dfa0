import { forwardService } from '@ktctl/access/forward';
import { clientFromFlags, forwarderOptionsFromFlags } from '@ktctl/kube';
import { resolveGlobals, type ClusterOptions } from './index.js';

export interface ForwardOptions extends ClusterOptions {
  /** The Service to reach. */
  readonly service: string;
  /** Local port; default: the Service port (0: any free port, read `localPort`). */
  readonly localPort?: number;
  /** Service port; default: its only TCP port. */
  readonly port?: number;
}

/** A running forward (its own types, so the published declarations stand alone). */
export interface Forward {
  readonly host: string;
  readonly localPort: number;
  readonly servicePort: { readonly name?: string; readonly port: number; readonly protocol?: string };
  /** The pod port the Service port leads to. */
  readonly targetPort: number;
  /** The pod forwarded to now (undefined while none is ready). */
  readonly pod: string | undefined;
  close(): Promise<void>;
}

/** `ktctl forward`: a local port reaching a ready pod of a Service, following the next pod when it goes. */
export async function forward(options: ForwardOptions): Promise<Forward> {
  const flags = resolveGlobals(options);
  const client = clientFromFlags(flags);
  try {
    const running = await forwardService(client, {
      service: options.service,
      local: options.localPort,
      remote: options.port,
      forwarder: forwarderOptionsFromFlags(flags),
    });
    return {
      host: running.host,
      localPort: running.localPort,
      servicePort: running.servicePort,
      targetPort: running.targetPort,
      get pod() {
        return running.pod;
      },
      close: () => running.close().finally(() => client.close()),
    };
  } catch (error) {
    client.close();
    throw error;
  }
}
