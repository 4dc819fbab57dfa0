import dns2, { type DnsServer } from 'dns2';
import { answerRequest } from '@ktctl/dns';
import type { Log } from '../log.js';
import type { ClusterResolver } from './cluster-resolver.js';

/** Starts the agent's DNS server on UDP and TCP; resolves once both listen. */
export async function startDnsServer(resolver: ClusterResolver, host: string, port: number, log: Log): Promise<DnsServer> {
  const server = dns2.createServer({
    udp: true,
    tcp: true,
    handle: (request, send) =>
      void answerRequest(request, (q) => resolver.resolve(q), log).then(send, (error: Error) =>
        log.warn(`dns: cannot send answer: ${error.message}`),
      ),
  });
  server.on('requestError', (error) => log.debug(`dns: bad request: ${error.message}`));
  server.on('error', (error, transport) => log.warn(`dns (${transport}): ${error.message}`));
  await server.listen({ udp: { port, address: host }, tcp: { port, address: host } });
  return server;
}
