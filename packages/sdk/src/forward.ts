import { forwardService, type ServiceForward } from '@ktctl/access/forward';
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

export type Forward = ServiceForward;

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
    return { ...running, close: () => running.close().finally(() => client.close()) };
  } catch (error) {
    client.close();
    throw error;
  }
}
