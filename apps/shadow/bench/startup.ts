import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { AGENT_BUNDLE } from '../test/support/agent.js';
import { freePort } from '@ktctl/testkit';
import { median } from '@ktctl/testkit';

/** Milliseconds from spawn until `node -e 0` exits: the floor any Node program starts from. */
async function nodeBaseline(): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await once(child, 'exit');
  return performance.now() - started;
}

/** Milliseconds from spawn until the agent logs that both its servers listen. */
async function agentStart(env: Record<string, string>): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, [AGENT_BUNDLE], {
    env: { ...env, KT_DNS_PORT: String(await freePort()) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let text = '';
  const ready = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`agent not ready in 5 s: ${text}`)), 5_000);
    child.stderr!.on('data', (d: Buffer) => {
      text += d.toString();
      if (text.includes('ready:')) (clearTimeout(timer), resolve(performance.now() - started));
    });
  });
  child.kill('SIGTERM');
  await once(child, 'exit');
  return ready;
}

/** Agent start time against `node -e 0`, interleaved so machine drift hits both alike; medians. */
export async function benchStartup(env: Record<string, string>, reps = 9): Promise<{ agentMs: number; nodeMs: number; ratio: number }> {
  const agent: number[] = [];
  const node: number[] = [];
  for (let i = 0; i < reps; i++) {
    node.push(await nodeBaseline());
    agent.push(await agentStart(env));
  }
  return { agentMs: median(agent), nodeMs: median(node), ratio: median(agent) / median(node) };
}
