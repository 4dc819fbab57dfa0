/**
 * Run inside the laptop namespace by laptop.test.ts: forwards to a pod with @ktctl/kube and prints the
 * pod's HTTP answer, then the discovered cluster CIDRs. Usage: forward-get.ts <kubeconfig> <namespace> <pod>
 */
import { KubeClient, discoverClusterCidrs, openForwardStream } from '@ktctl/kube';

const [kubeconfig, namespace, pod] = process.argv.slice(2);
const kube = KubeClient.fromOptions({ kubeconfig, namespace });
const stream = await openForwardStream(kube.transport, { namespace: namespace!, pod: pod!, port: 8080 });
let answer = '';
stream.on('data', (d: Buffer) => (answer += d.toString()));
stream.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
await new Promise<void>((resolve, reject) => stream.once('end', resolve).once('error', reject));
process.stdout.write(`${answer.split('\r\n\r\n')[1]?.trim()}\n`);
const found = await discoverClusterCidrs(kube);
process.stdout.write(`cidrs ${found.cidrs.join(' ')}\n`);
kube.close();
