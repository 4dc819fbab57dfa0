import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Packet, type Resource } from 'dns2';
import { FrameReader, frameMessage } from '../src/local/tcp-frames.js';

/** What the fake does with one query on one connection: answer it (after a delay), ignore it, or drop the connection. */
export type FakeBehaviour = (query: Packet, connection: number) => { answer: Packet; delayMs?: number } | 'ignore' | 'drop';

/** An in-process DNS-over-TCP server standing in for the agent in unit tests; loopback only. */
export interface FakeAgentDns {
  port: number;
  /** Connections accepted so far. */
  connections(): number;
  open(): Promise<Socket>;
  /** Ends every open connection, as the agent does with idle ones. */
  endConnections(): void;
  close(): Promise<void>;
}

/** An answer with one A record for the question, under the name asked. */
export function answerWithA(query: Packet, address: string, ttl = 30): Packet {
  const response = Packet.createResponseFromRequest(query);
  const [question] = query.questions;
  if (question) response.answers.push({ name: question.name, type: Packet.TYPE.A, class: Packet.CLASS.IN, ttl, address } as Resource);
  return response;
}

/** A response with only an rcode. */
export function answerWithRcode(query: Packet, rcode: number): Packet {
  const response = Packet.createResponseFromRequest(query);
  response.header.rcode = rcode;
  return response;
}

export async function startFakeAgentDns(behaviour: FakeBehaviour): Promise<FakeAgentDns> {
  let accepted = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    const connection = ++accepted;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const reader = new FrameReader();
    socket.on('data', (chunk: Buffer) => {
      for (const message of reader.push(chunk)) reply(socket, Packet.parse(message), behaviour, connection);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    connections: () => accepted,
    open: async () => {
      const socket = connect({ host: '127.0.0.1', port, noDelay: true });
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
      return socket;
    },
    endConnections: () => sockets.forEach((socket) => socket.end()),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function reply(socket: Socket, query: Packet, behaviour: FakeBehaviour, connection: number): void {
  const action = behaviour(query, connection);
  if (action === 'ignore') return;
  if (action === 'drop') return void socket.destroy();
  const send = (): void => void (socket.writable && socket.write(frameMessage(action.answer.toBuffer())));
  if (action.delayMs) setTimeout(send, action.delayMs);
  else send();
}
