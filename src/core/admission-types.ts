// The parts of admission.k8s.io/v1 the core decides on, and the decision it returns. The HTTP
// adapter turns an AdmissionReview into an AdmissionRequest and a Decision into a response.

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}
export interface GroupVersionResource {
  group: string;
  version: string;
  resource: string;
}
export interface UserInfo {
  username?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}
export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

/** A Kubernetes object as JSON: only metadata is assumed. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    generateName?: string;
    namespace?: string;
    labels?: Record<string, string> | null;
    annotations?: Record<string, string> | null;
    [key: string]: unknown;
  } | null;
  spec?: Record<string, unknown> | null;
  [key: string]: unknown;
}

export interface AdmissionRequest {
  uid: string;
  kind: GroupVersionKind;
  resource: GroupVersionResource;
  subResource?: string;
  requestKind?: GroupVersionKind;
  requestResource?: GroupVersionResource;
  name?: string;
  namespace?: string;
  operation: Operation;
  userInfo: UserInfo;
  object?: KubeObject | null;
  oldObject?: KubeObject | null;
  dryRun?: boolean;
  options?: unknown;
}

export interface JsonPatchOp {
  op: 'add' | 'remove' | 'replace' | 'test' | 'move' | 'copy';
  path: string;
  value?: unknown;
  from?: string;
}

export interface Decision {
  allowed: boolean;
  /** HTTP status for a denial (403 by default). */
  code?: number;
  /** Why, for the user: shown by kubectl after "denied the request: ". */
  message?: string;
  /** May be shared between decisions (a membership policy's default patch): never modified. */
  patch?: readonly JsonPatchOp[];
  /** `patch` as the base64 JSON text of an AdmissionReview response, when made in advance with it. */
  patchBase64?: string;
  warnings?: string[];
}

export const allow = (extra: Omit<Decision, 'allowed'> = {}): Decision => ({ allowed: true, ...extra });
export const deny = (message: string, code = 403): Decision => ({ allowed: false, code, message });
