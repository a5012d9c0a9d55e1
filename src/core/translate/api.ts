// crd.projectcalico.org/v1 ↔ projectcalico.org/v3. The shapes are the same in both groups
// (calico-crds v3.32.1); only apiVersion differs, and the tier-prefixed names are valid in both.
import { CALICO_API_VERSION, type CalicoApi, type CalicoObject } from '../calico.js';

export function toApi(objects: readonly CalicoObject[], api: CalicoApi): CalicoObject[] {
  const apiVersion = CALICO_API_VERSION[api];
  return objects.map((o) => (o.apiVersion === apiVersion ? o : { ...o, apiVersion }));
}
