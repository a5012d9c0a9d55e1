// Kubernetes Events about the syncer (as sample 050): Warning DeletionHeld on the Lease, so
// `kubectl describe lease sgbridge-syncer -n <ns>` and `kubectl get events` show held deletions.
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';

export interface EventTarget {
  namespace: string;
  leaseName: string;
  /** The Lease's uid when known (read when the event is made). */
  leaseUid?: () => string | undefined;
  instance: string;
}

export class EventRecorder {
  private readonly core: CoreV1Api;
  private seq = 0;

  constructor(
    kc: KubeConfig,
    private readonly target: EventTarget,
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
  }

  async warn(reason: string, message: string): Promise<void> {
    const leaseUid = this.target.leaseUid?.();
    const now = new Date();
    const name = `${this.target.leaseName}.${reason.toLowerCase()}-${now.getTime().toString(36)}${(this.seq++).toString(36)}`;
    await this.core.createNamespacedEvent({
      namespace: this.target.namespace,
      body: {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace: this.target.namespace },
        involvedObject: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', name: this.target.leaseName, namespace: this.target.namespace, ...(leaseUid ? { uid: leaseUid } : {}) },
        reason,
        type: 'Warning',
        message: message.length > 1000 ? `${message.slice(0, 997)}...` : message,
        source: { component: 'sgbridge' },
        reportingComponent: 'sgbridge',
        reportingInstance: this.target.instance,
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      },
    });
  }
}
