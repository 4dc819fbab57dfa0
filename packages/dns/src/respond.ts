import { Packet, type Resource } from 'dns2';
import type { DnsQuestion } from './upstream.js';

/** What a resolver decided for one question. */
export interface DnsAnswer {
  rcode: number;
  answers: Resource[];
  authorities: Resource[];
}

export interface RespondLog {
  debug(message: string): void;
  warn(message: string): void;
}

/**
 * The response to one DNS request, as the agent and the laptop server both answer: only a single-question
 * QUERY is served (NOTIMP / FORMERR otherwise), and a resolver failure becomes SERVFAIL with a warning, so a
 * bug never leaves the client waiting for its timeout. `detail` adds to the debug line.
 */
export async function answerRequest<A extends DnsAnswer>(
  request: Packet,
  resolve: (question: DnsQuestion) => Promise<A>,
  log: RespondLog | undefined,
  detail: (answer: A) => string = () => '',
): Promise<Packet> {
  const response = Packet.createResponseFromRequest(request);
  response.header.ra = 1;
  const [question] = request.questions;
  if (request.header.opcode !== 0 || !question || request.questions.length !== 1) {
    response.header.rcode = request.header.opcode !== 0 ? Packet.RCODE.NOTIMP : Packet.RCODE.FORMERR;
    return response;
  }
  try {
    const answer = await resolve(question);
    response.header.rcode = answer.rcode;
    response.answers = answer.answers;
    response.authorities = answer.authorities;
    log?.debug(
      `dns: ${question.name} ${Packet.TYPE_NAME[question.type] ?? question.type} → ${detail(answer)}rcode ${answer.rcode}, ${answer.answers.length} answers`,
    );
  } catch (error) {
    log?.warn(`dns: ${question.name}: ${error instanceof Error ? error.message : String(error)}`);
    response.header.rcode = Packet.RCODE.SERVFAIL;
  }
  return response;
}
