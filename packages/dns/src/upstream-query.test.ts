import { Packet } from 'dns2';
import { describe, expect, it } from 'vitest';
import { answers, buildQuery } from './upstream.js';

describe('buildQuery and answers', () => {
  it('builds a recursive IN query without the trailing dot', () => {
    const query = buildQuery({ name: 'web.team-a.', type: Packet.TYPE.A });
    expect(query.header.rd).toBe(1);
    expect(query.questions).toEqual([{ name: 'web.team-a', type: Packet.TYPE.A, class: Packet.CLASS.IN }]);
  });

  it('accepts only a response with the same id and question', () => {
    const query = buildQuery({ name: 'web', type: Packet.TYPE.A });
    const response = Packet.parse(Packet.createResponseFromRequest(query).toBuffer());
    expect(answers(query, response)).toBe(true);
    response.header.id = (query.header.id + 1) & 0xffff;
    expect(answers(query, response)).toBe(false);
    const other = Packet.parse(Packet.createResponseFromRequest(buildQuery({ name: 'db', type: Packet.TYPE.A })).toBuffer());
    other.header.id = query.header.id;
    expect(answers(query, other)).toBe(false);
  });
});
