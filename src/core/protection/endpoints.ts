// Rule 4 of SPEC §2: host endpoints and network sets are how IPs become members of a group (and
// match any rule selector), so a label key that sgbridge's policies select on (membership labels,
// vpc-member, ENI/instance/kind, allow-metadata-access: one list, in translate/selectors.ts) or
// sgbridge's managed-by label on one, before or after the change, is sgbridge's alone. A forged
// label would make any address match a rule.
import { deny, type AdmissionRequest, type Decision } from '../admission-types.js';
import { isSelectedLabelKey } from '../translate/selectors.js';
import { isMembershipLabel, MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../vocabulary.js';
import { messages } from './messages.js';
import { isRecord, labelsOf, nameOf, specOf, type State } from './read.js';

export function endpointRule(request: AdmissionRequest, kind: string, states: State[]): Decision | undefined {
  const name = request.name ?? states.map((s) => nameOf(s.value)).find(Boolean) ?? '(unnamed)';
  for (const state of states) {
    const labels = labelsOf(state.value, state.where);
    if (!labels.ok) return deny(messages.unreadable(kind, labels.problem), 400);
    if (labels.value[MANAGED_BY_LABEL] === MANAGED_BY_VALUE) return deny(messages.managedEndpoint(kind, name));
    const label = Object.keys(labels.value).find(isSelectedLabelKey);
    if (label) return deny(isMembershipLabel(label) ? messages.membershipLabelOnEndpoint(kind, name, label) : messages.selectedLabelOnEndpoint(kind, name, label));
  }
  return undefined;
}

/**
 * Rule 4 through a Profile: its spec.labelsToApply are applied to every endpoint that names it (a
 * HostEndpoint's spec.profiles), so a selected key there would reach rule selectors just the same.
 * Calico's own profiles (kns.*, ksa.*) apply only pcns./pcsa.-prefixed keys.
 */
export function profileRule(request: AdmissionRequest, states: State[]): Decision | undefined {
  const name = request.name ?? states.map((s) => nameOf(s.value)).find(Boolean) ?? '(unnamed)';
  for (const state of states) {
    const spec = specOf(state.value, state.where);
    if (!spec.ok) return deny(messages.unreadable('Profile', spec.problem), 400);
    const labels = spec.value.labelsToApply;
    if (labels === undefined || labels === null) continue;
    if (!isRecord(labels)) return deny(messages.unreadable('Profile', `${state.where}.spec.labelsToApply must map strings to strings`), 400);
    const label = Object.keys(labels).find(isSelectedLabelKey);
    if (label) return deny(messages.selectedLabelOnEndpoint('Profile', name, label));
  }
  return undefined;
}
