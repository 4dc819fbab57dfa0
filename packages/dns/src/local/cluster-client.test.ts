import { Packet } from 'dns2';
import { afterEach, describe, expect, it } from 'vitest';
import { answerWithA, startFakeAgentDns, type FakeAgentDns, type FakeBehaviour } from '../../test/fake-agent-dns.js';
import { ClusterClient, ClusterUnavailableError } from './cluster-client.js';

let fake: FakeAgentDns | undefined;
let client: ClusterClient | undefined;
afterEach(async () => {
  client?.close();
  await fake?.close();
  fake = client = undefined;
});

async function setUp(
  behaviour: FakeBehaviour,
  options: Partial<ConstructorParameters<typeof ClusterClient>[0]> = {},
): Promise<ClusterClient> {
  const started = await startFakeAgentDns(behaviour);
  fake = started;
  client = new ClusterClient({ openStream: () => started.open(), queryTimeoutMs: 500, ...options });
  return client;
}

const a = (name: string) => ({ name, type: Packet.TYPE.A });
const addressOf = (packet: Packet) => (packet.answers[0] as { address?: string } | undefined)?.address;

describe('ClusterClient', () => {
  it('pipelines concurrent queries over one stream and matches answers by id, out of order', async () => {
    const c = await setUp((query) => {
      const n = Number(/^n(\d+)$/.exec(query.questions[0]!.name)?.[1]);
      return { answer: answerWithA(query, `10.0.0.${n}`), delayMs: 100 - n * 4 };
    });
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => c.query(a(`n${i + 1}`))));
    expect(answers.map(addressOf)).toEqual(Array.from({ length: 20 }, (_, i) => `10.0.0.${i + 1}`));
    expect(answers.map((p) => p.questions[0]?.name)).toEqual(Array.from({ length: 20 }, (_, i) => `n${i + 1}`));
    expect(c.stats).toEqual({ streamsOpened: 1, connected: true });
  });

  it('retries once on a fresh stream when a stream that worked before dies under a query', async () => {
    const c = await setUp((query, connection) =>
      connection === 1 && query.questions[0]!.name === 'second' ? 'drop' : { answer: answerWithA(query, '10.0.0.1') },
    );
    expect(addressOf(await c.query(a('first')))).toBe('10.0.0.1');
    expect(addressOf(await c.query(a('second')))).toBe('10.0.0.1');
    expect(fake!.connections()).toBe(2);
  });

  it('opens a new stream after the agent closed an idle one', async () => {
    const c = await setUp((query) => ({ answer: answerWithA(query, '10.0.0.2') }));
    await c.query(a('web'));
    fake!.endConnections();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(c.stats.connected).toBe(false);
    expect(addressOf(await c.query(a('web')))).toBe('10.0.0.2');
    expect(c.stats.streamsOpened).toBe(2);
  });

  it('rejects a silent query after its timeout and drops the silent stream', async () => {
    const c = await setUp(() => 'ignore', { queryTimeoutMs: 150 });
    const started = performance.now();
    await expect(c.query(a('web'))).rejects.toBeInstanceOf(ClusterUnavailableError);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(c.stats.connected).toBe(false);
  });

  it('fails fast, without reopening, for a while after a stream cannot be opened', async () => {
    let opens = 0;
    client = new ClusterClient({
      openStream: () => (opens++, Promise.reject(new Error('tunnel down'))),
      retryAfterMs: 60_000,
    });
    await expect(client.query(a('web'))).rejects.toThrow(/cannot open a stream/);
    const started = performance.now();
    await expect(client.query(a('web'))).rejects.toThrow(/unreachable/);
    expect(performance.now() - started).toBeLessThan(50);
    expect(opens).toBe(1);
  });

  it('fails at once, opening nothing, while the caller says the tunnel is down', async () => {
    let up = false;
    let opens = 0;
    const c = await setUp((query) => ({ answer: answerWithA(query, '10.0.0.1') }));
    client = new ClusterClient({ openStream: () => (opens++, fake!.open()), isUp: () => up });
    c.close();
    await expect(client.query(a('web'))).rejects.toThrow(/tunnel reconnecting/);
    expect(opens).toBe(0);
    up = true;
    expect(addressOf(await client.query(a('web')))).toBe('10.0.0.1');
  });

  it('gives up on a stream that does not open in time', async () => {
    client = new ClusterClient({ openStream: () => new Promise(() => undefined), openTimeoutMs: 100 });
    await expect(client.query(a('web'))).rejects.toBeInstanceOf(ClusterUnavailableError);
  });

  it('rejects queries after close', async () => {
    const c = await setUp((query) => ({ answer: answerWithA(query, '10.0.0.1') }));
    c.close();
    await expect(c.query(a('web'))).rejects.toThrow(/closed/);
  });
});
