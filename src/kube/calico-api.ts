// Which API group holds Calico's resources on this cluster (SPEC §4): crd.projectcalico.org/v1
// (Calico's classic CRDs, also present in API-server mode) or native projectcalico.org/v3 CRDs
// (Calico >= 3.32 without crd.projectcalico.org). Decided once at start, by discovery.
import { ApisApi, type KubeConfig } from '@kubernetes/client-node';
import type { CalicoApi } from '../core/calico.js';
import type { Logger } from '../log.js';

export class CalicoApiNotFound extends Error {
  constructor(groups: string[]) {
    super(
      `Calico's API is not installed: neither crd.projectcalico.org/v1 nor projectcalico.org/v3 is served (the API server serves ${groups.length} groups). Install Calico v3.29 or later (with its CRDs) first.`,
    );
    this.name = 'CalicoApiNotFound';
  }
}

export async function detectCalicoApi(kc: KubeConfig, log?: Logger): Promise<CalicoApi> {
  const list = await kc.makeApiClient(ApisApi).getAPIVersions();
  const versions = (name: string) => list.groups.find((g) => g.name === name)?.versions.map((v) => v.version) ?? [];
  let api: CalicoApi;
  if (versions('crd.projectcalico.org').includes('v1')) api = 'crd';
  else if (versions('projectcalico.org').includes('v3')) api = 'v3';
  else throw new CalicoApiNotFound(list.groups.map((g) => g.name));
  log?.info(
    { calicoApi: api },
    api === 'crd'
      ? 'Calico API: crd.projectcalico.org/v1 CRDs (writing Calico objects there)'
      : 'Calico API: native projectcalico.org/v3 CRDs (no crd.projectcalico.org on this cluster; writing projectcalico.org/v3)',
  );
  return api;
}
