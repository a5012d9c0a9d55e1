// Cluster access by the standard rules of @kubernetes/client-node: in-cluster service account,
// else KUBECONFIG or ~/.kube/config. No configuration at all means "no cluster".
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

export function loadClusterConfig(env: NodeJS.ProcessEnv = process.env): KubeConfig | undefined {
  const kc = new KubeConfig();
  if (env.KUBERNETES_SERVICE_HOST && env.KUBERNETES_SERVICE_PORT) {
    kc.loadFromCluster();
    return kc;
  }
  const files = env.KUBECONFIG ? env.KUBECONFIG.split(delimiter).filter(Boolean) : [join(homedir(), '.kube', 'config')];
  if (!files.some((f) => existsSync(f))) return undefined;
  kc.loadFromDefault();
  return kc.getCurrentCluster() ? kc : undefined;
}
