import { parseExpose } from '@ktctl/traffic/ports';
import { startPreview } from '@ktctl/traffic/preview';
import { clientFromFlags } from '@ktctl/kube';
import { VERSION, quietLogger, resolveGlobals, type ClusterOptions } from './index.js';

export interface PreviewOptions extends ClusterOptions {
  /** The Service to create. */
  readonly name: string;
  /** As `--expose`: `8080` or `3000:80` (local:Service port), one or more. */
  readonly expose: string | readonly string[];
  /** A LoadBalancer Service instead of ClusterIP. */
  readonly external?: boolean;
  readonly skipPortChecking?: boolean;
}

export interface Preview {
  readonly namespace: string;
  readonly service: string;
  readonly clusterIP: string | undefined;
  readonly shadowPod: string;
  /** Removes the Service and the shadow; returns what could not be removed. */
  close(): Promise<string[]>;
}

/** `ktctl preview`: a new Service in the cluster whose traffic reaches ports on this machine. */
export async function preview(options: PreviewOptions): Promise<Preview> {
  const flags = resolveGlobals(options);
  const logger = options.logger ?? quietLogger;
  const client = clientFromFlags(flags);
  try {
    const running = await startPreview(
      {
        name: options.name,
        ports: parseExpose(options.expose),
        external: options.external ?? false,
        skipPortChecking: options.skipPortChecking ?? false,
        portNamePrefix: 'kt-',
        flags,
        version: VERSION,
      },
      {
        client,
        logger,
        onProgress: (step, detail) => logger.debug(`${step}: ${detail}`),
        onTunnel: (status, detail) => logger.info(`tunnel ${status}: ${detail}`),
        signal: options.signal ?? new AbortController().signal,
        env: process.env,
      },
    );
    return {
      namespace: running.namespace,
      service: running.service,
      clusterIP: running.clusterIP,
      shadowPod: running.shadowPod,
      close: () => running.close().finally(() => client.close()),
    };
  } catch (error) {
    client.close();
    throw error;
  }
}
