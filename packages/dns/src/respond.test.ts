import { Packet, type Question, type Resource } from 'dns2';
import { describe, expect, it } from 'vitest';
import { answerRequest } from './respond.js';

function request(questions: { name: string; type: number; class: number }[], opcode = 0): Packet {
  const packet = new Packet();
  packet.header.id = 7;
  packet.header.opcode = opcode;
  packet.questions = questions as unknown as Question[];
  return packet;
}

const question = { name: 'web.dev', type: Packet.TYPE.A, class: Packet.CLASS.IN };
const record = { name: 'web.dev', type: Packet.TYPE.A, class: Packet.CLASS.IN, ttl: 5, address: '10.0.0.5' } as unknown as Resource;

describe('answerRequest', () => {
  it('answers one question with what the resolver decided', async () => {
    const response = await answerRequest(request([question]), async () => ({ rcode: 0, answers: [record], authorities: [] }), undefined);
    expect([response.header.id, response.header.rcode, response.header.ra, response.answers]).toEqual([7, 0, 1, [record]]);
  });

  it('refuses other opcodes and multi-question messages', async () => {
    const never = async () => ({ rcode: 0, answers: [], authorities: [] });
    expect((await answerRequest(request([question], 2), never, undefined)).header.rcode).toBe(Packet.RCODE.NOTIMP);
    expect((await answerRequest(request([question, question]), never, undefined)).header.rcode).toBe(Packet.RCODE.FORMERR);
    expect((await answerRequest(request([]), never, undefined)).header.rcode).toBe(Packet.RCODE.FORMERR);
  });

  it('turns a resolver failure into SERVFAIL and a warning', async () => {
    const warnings: string[] = [];
    const log = { debug: () => undefined, warn: (m: string) => void warnings.push(m) };
    const response = await answerRequest(request([question]), () => Promise.reject(new Error('boom')), log);
    expect(response.header.rcode).toBe(Packet.RCODE.SERVFAIL);
    expect(warnings).toEqual(['dns: web.dev: boom']);
  });
});
