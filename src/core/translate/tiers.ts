// The integration's three tiers (SPEC §3), with defaultAction set explicitly: the CRD defaults it
// to Deny only from Calico v3.32 (calico-crds/SOURCE.md).
import type { CalicoObject } from '../calico.js';
import { TIERS } from '../vocabulary.js';
import { tier } from './objects.js';

export function tiers(): CalicoObject[] {
  return [TIERS.remote, TIERS.local, TIERS.metadata].map((t) => tier(t.name, t.order));
}
