import dns2, { Packet, type DnsServer } from 'dns2';
import type { Log } from '../log.js';
import type { ClusterResolver } from './cluster-resolver.js';

/** Starts the agent's DNS server on UDP and TCP; resolves once both listen. */
export async function startDnsServer(resolver: ClusterResolver, host: string, port: number, log: Log): Promise<DnsServer> {
  const server = dns2.createServer({
    udp: true,
    tcp: true,
    handle: (request, send) => void answer(request, resolver, log).then(send, (error: Error) => log.warn(`dns: cannot send answer: ${error.message}`)),
  });
  server.on('requestError', (error) => log.debug(`dns: bad request: ${error.message}`));
  server.on('error', (error, transport) => log.warn(`dns (${transport}): ${error.message}`));
  await server.listen({ udp: { port, address: host }, tcp: { port, address: host } });
  return server;
}

async function answer(request: Packet, resolver: ClusterResolver, log: Log): Promise<Packet> {
  const response = Packet.createResponseFromRequest(request);
  response.header.ra = 1;
  const [question] = request.questions;
  if (request.header.opcode !== 0 || !question || request.questions.length !== 1) {
    response.header.rcode = request.header.opcode !== 0 ? Packet.RCODE.NOTIMP : Packet.RCODE.FORMERR;
    return response;
  }
  try {
    const resolution = await resolver.resolve(question);
    response.header.rcode = resolution.rcode;
    response.answers = resolution.answers;
    response.authorities = resolution.authorities;
    log.debug(`dns: ${question.name} ${Packet.TYPE_NAME[question.type] ?? question.type} → rcode ${resolution.rcode}, ${resolution.answers.length} answers`);
  } catch (error) {
    log.warn(`dns: ${question.name}: ${(error as Error).message}`);
    response.header.rcode = Packet.RCODE.SERVFAIL;
  }
  return response;
}
