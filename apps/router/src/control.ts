/**
 * The control endpoint (its own port; the laptop reaches it through a port-forward):
 *   GET /healthz → 200 RouterHealth
 *   GET /rules   → 200 the current RouterRuleSet
 *   PUT /rules   → 200 the applied rule set | 400 invalid | 409 generation not newer | 413 too large
 * Every refusal is a one-line JSON `{"error": "..."}`; a refused update leaves the current rules in force.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { RouterControlError, RouterHealth } from '@ktctl/agent-contract';
import type { Log } from './log.js';
import { RulesRejected, type RuleTable } from './rules.js';

const MAX_BODY = 256 * 1024;

export function createControlServer(rules: RuleTable, ports: number[], log: Log): http.Server {
  return http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz' && req.method === 'GET')
      return send(res, 200, { ok: true, generation: rules.current.generation, ports } satisfies RouterHealth);
    if (path !== '/rules') return send(res, 404, { error: `no ${path}; try GET /healthz, GET /rules, PUT /rules` });
    if (req.method === 'GET') return send(res, 200, rules.current);
    if (req.method !== 'PUT') return send(res, 405, { error: `${req.method} /rules: use GET or PUT` });
    readBody(req)
      .then((text) => {
        let input: unknown;
        try {
          input = JSON.parse(text);
        } catch (error) {
          throw new RulesRejected(`body is not JSON: ${(error as Error).message}`, 400);
        }
        send(res, 200, rules.apply(input, 'PUT /rules'));
      })
      .catch((error: Error) => {
        const status = error instanceof RulesRejected ? error.status : error instanceof BodyTooLarge ? 413 : 400;
        log.warn(`PUT /rules refused (${status}): ${error.message}`);
        send(res, status, { error: error.message } satisfies RouterControlError);
      });
  });
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) return reject(new BodyTooLarge(`body larger than ${MAX_BODY} bytes`));
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}
