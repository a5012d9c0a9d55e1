// The syntax Kubernetes requires of label keys and values (apimachinery's IsQualifiedName and
// IsValidLabelValue), which LabelSelectorAsSelector checks on every requirement. Written out here
// because no dependency of the project exposes apimachinery's validation, and the rules are short.

const NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const NAME_MAX = 63;
const PREFIX_MAX = 253;

const NAME_FORM = "alphanumeric characters, '-', '_' or '.', starting and ending with an alphanumeric character";

/** Why `key` is not a qualified name ("[prefix/]name"), or undefined when it is one. */
export function labelKeyProblem(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length > 2) return `${JSON.stringify(key)} is not a label key: expected [DNS-subdomain prefix/]name with at most one '/'`;
  const [prefix, name] = parts.length === 2 ? [parts[0]!, parts[1]!] : [undefined, parts[0]!];
  if (prefix !== undefined) {
    if (prefix === '') return `${JSON.stringify(key)} is not a label key: the prefix before '/' must be non-empty`;
    if (prefix.length > PREFIX_MAX || !DNS_SUBDOMAIN.test(prefix)) return `${JSON.stringify(key)} is not a label key: the prefix must be a lowercase DNS subdomain of at most ${PREFIX_MAX} characters`;
  }
  if (name === '') return `${JSON.stringify(key)} is not a label key: the name part must be non-empty`;
  if (name.length > NAME_MAX) return `${JSON.stringify(key)} is not a label key: the name part must be at most ${NAME_MAX} characters`;
  if (!NAME.test(name)) return `${JSON.stringify(key)} is not a label key: the name part must consist of ${NAME_FORM}`;
  return undefined;
}

/** Why `value` is not a label value (empty, or a name of at most 63 characters), or undefined. */
export function labelValueProblem(value: string): string | undefined {
  if (value === '') return undefined;
  if (value.length > NAME_MAX) return `${JSON.stringify(value.slice(0, 70))} is not a label value: at most ${NAME_MAX} characters`;
  if (!NAME.test(value)) return `${JSON.stringify(value)} is not a label value: expected ${NAME_FORM}, or empty`;
  return undefined;
}
