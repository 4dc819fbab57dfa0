// The mesh tests' workloads, apart so a debugging session can print them without vitest.

/** `app` (2 replicas; http 8080 and grpc 9090, named target ports behind Service ports 80 and 9090) and a client. */
export function workloads(namespace: string, image: string): string {
  const deployment = (name: string, replicas: number, ports: object[]) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name, tier: 'backend' } },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [
            {
              name,
              image,
              imagePullPolicy: 'Never',
              args: ['serve', '-tcp=', '-udp='],
              env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
              ports,
              readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1 },
              resources: { requests: { cpu: '10m', memory: '16Mi' } },
            },
          ],
        },
      },
    },
  });
  const ports = [
    { name: 'http', containerPort: 8080, protocol: 'TCP' },
    { name: 'grpc', containerPort: 9090, protocol: 'TCP' },
  ];
  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'app', namespace, annotations: { 'team.example/owner': 'payments' } },
    spec: {
      selector: { app: 'app' },
      ports: [
        { name: 'http', port: 80, protocol: 'TCP', targetPort: 'http' },
        { name: 'grpc', port: 9090, protocol: 'TCP', targetPort: 'grpc' },
      ],
    },
  };
  return [deployment('app', 2, ports), service, deployment('client', 1, ports)].map((o) => JSON.stringify(o)).join('\n');
}
