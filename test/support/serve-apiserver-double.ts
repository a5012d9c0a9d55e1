// Runs the apiserver test double on its own, for trying commands by hand:
//   npx tsx test/support/serve-apiserver-double.ts /tmp/double.kubeconfig [crd|v3]
//   KUBECONFIG=/tmp/double.kubeconfig npx tsx src/main.ts sync --once
// It answers as the 'sgbridge' identity (RBAC from src/kube/permissions.ts) until stopped (Ctrl-C).
import { writeFileSync } from 'node:fs';
import { startApiServerDouble } from './apiserver-double.js';

async function main(): Promise<void> {
  const file = process.argv[2] ?? 'double.kubeconfig';
  const calico = (process.argv[3] ?? 'crd') as 'crd' | 'v3';
  const api = await startApiServerDouble({ calico });
  for (const [name, instance, ip] of [
    ['ip-10-0-1-10.ec2.internal', 'i-0123456789abcdef0', '10.0.1.10'],
    ['ip-10-0-2-20.ec2.internal', 'i-0fedcba9876543210', '10.0.2.20'],
  ] as const) {
    api.create({ apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: { providerID: `aws:///us-east-1a/${instance}` }, status: { addresses: [{ type: 'InternalIP', address: ip }] } });
  }
  writeFileSync(file, api.kubeConfig().exportConfig());
  process.stderr.write(`apiserver double on ${api.url} (Calico ${calico}); kubeconfig written to ${file}\n`);
  const stop = () => void api.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main();
