/**
 * Run by kubeconfig-like-kubectl.test.ts (under a pty, or as root with sudo's variables): loads the
 * kubeconfig the way ktctl does with no flags and lists the pods of a namespace.
 * Usage: list-pods.ts <namespace>
 */
import { KubeClient } from '@ktctl/kube';

const [namespace] = process.argv.slice(2);
try {
  const kube = KubeClient.fromOptions({ namespace });
  const pods = await kube.list<{ metadata: { name: string } }>({ apiVersion: 'v1', resource: 'pods', namespace: kube.namespace });
  process.stdout.write(`listed ${pods.items.length} pods in ${kube.namespace} as context ${kube.context}\n`);
  kube.close();
} catch (err) {
  const code = (err as { code?: string }).code;
  process.stdout.write(code?.startsWith('KT_') ? `error ${code}: ${(err as Error).message}\n` : `crash ${String(err)}\n`);
  process.exitCode = 1;
}
