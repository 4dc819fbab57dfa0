/**
 * Time from `ShadowManager.create()` to a ready shadow and to the agent's SSH banner through our
 * port-forward, and the time cleanup takes; medians of a few rounds. The image must already be on the
 * node (imagePullPolicy Never: nothing is pulled from anywhere).
 *
 *   tsx packages/kube/bench/shadow-start.ts --image ghcr.io/ktctl/shadow:0.1.0 [--rounds 5] [--namespace default]
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { KubeClient, ShadowManager } from '../src/index.js';

const { values: args } = parseArgs({
  options: {
    kubeconfig: { type: 'string', default: '.cache/cluster/admin.kubeconfig' },
    namespace: { type: 'string', default: 'default' },
    image: { type: 'string' },
    rounds: { type: 'string', default: '5' },
  },
});

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function round(kube: KubeClient, keyDir: string): Promise<{ ready: number; banner: number; cleanup: number }> {
  const t0 = performance.now();
  const handle = await new ShadowManager(kube).create({
    purpose: { kind: 'connect' },
    image: args.image!,
    keyDir,
    podCreationTimeout: 60,
    customizePodSpec: (spec) => (spec.containers[0].imagePullPolicy = 'Never'),
  });
  const ready = performance.now() - t0;
  const fwd = handle.forwarder(22);
  try {
    const stream = await fwd.connect();
    await new Promise((resolve, reject) => stream.once('data', resolve).once('error', reject));
    stream.destroy();
  } finally {
    fwd.close();
  }
  const banner = performance.now() - t0;
  const c0 = performance.now();
  await handle.cleanup();
  return { ready, banner, cleanup: performance.now() - c0 };
}

async function main(): Promise<void> {
  if (!args.image) throw new Error('--image is required (an image already imported on the node)');
  const kube = KubeClient.fromOptions({ kubeconfig: args.kubeconfig, namespace: args.namespace });
  const keyDir = mkdtempSync(join(tmpdir(), 'kt-bench-keys-'));
  const rows: Array<{ ready: number; banner: number; cleanup: number }> = [];
  try {
    for (let i = 0; i < Number(args.rounds); i++) rows.push(await round(kube, keyDir));
  } finally {
    kube.close();
  }
  const m = (k: 'ready' | 'banner' | 'cleanup') => median(rows.map((r) => r[k])).toFixed(0);
  process.stdout.write(
    `shadow start (${args.image}, ${rows.length} rounds, medians): ready ${m('ready')} ms, SSH banner via port-forward ${m('banner')} ms, cleanup ${m('cleanup')} ms\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
