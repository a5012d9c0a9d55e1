// Puts the CA bundle into every webhook of sgbridge's Mutating- and ValidatingWebhookConfiguration
// and puts it back when it drifts. The chart never sets caBundle, so a `helm upgrade` leaves it
// alone. A JSON patch (as in kube-api-samples 052) touches only clientConfig.caBundle; each
// replace is guarded by a `test` of the webhook's name at that index, so a configuration that
// changed in between fails the patch (422) instead of getting a bundle in the wrong place.
import { AdmissionregistrationV1Api, type KubeConfig, PatchStrategy, setHeaderOptions, type V1MutatingWebhookConfiguration, type V1ValidatingWebhookConfiguration } from '@kubernetes/client-node';
import { kubeFailure } from './errors.js';

export type WebhookConfigurationKind = 'MutatingWebhookConfiguration' | 'ValidatingWebhookConfiguration';

export interface WebhookBundleState {
  kind: WebhookConfigurationKind;
  name: string;
  /** undefined when the configuration does not exist. */
  webhooks?: { name: string; caBundle?: string }[];
}

export interface InjectResult {
  /** Configurations that were patched this time. */
  patched: string[];
  /** Configurations already holding the bundle in every webhook. */
  current: string[];
  /** Configurations not found (not installed yet, or running outside a cluster). */
  missing: string[];
}

type Config = V1MutatingWebhookConfiguration | V1ValidatingWebhookConfiguration;

export class WebhookCaBundleInjector {
  private readonly api: AdmissionregistrationV1Api;

  constructor(
    kc: KubeConfig,
    /** Both configurations carry this name (the Service's name). */
    readonly configurationName: string,
  ) {
    this.api = kc.makeApiClient(AdmissionregistrationV1Api);
  }

  private async get(kind: WebhookConfigurationKind): Promise<Config | undefined> {
    try {
      return kind === 'MutatingWebhookConfiguration'
        ? await this.api.readMutatingWebhookConfiguration({ name: this.configurationName })
        : await this.api.readValidatingWebhookConfiguration({ name: this.configurationName });
    } catch (err) {
      if (kubeFailure(err).status === 404) return undefined;
      throw err;
    }
  }

  /** What the configurations hold now (for doctor and for the cert manager's overlap check). */
  async read(): Promise<WebhookBundleState[]> {
    const kinds: WebhookConfigurationKind[] = ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'];
    return Promise.all(
      kinds.map(async (kind) => {
        const cfg = await this.get(kind);
        return { kind, name: this.configurationName, webhooks: cfg ? (cfg.webhooks ?? []).map((w) => ({ name: w.name, caBundle: w.clientConfig.caBundle })) : undefined };
      }),
    );
  }

  /** Sets caBundle (base64 of the PEM bundle) in every webhook that does not hold it yet. */
  async inject(caBundle: string): Promise<InjectResult> {
    const result: InjectResult = { patched: [], current: [], missing: [] };
    for (const kind of ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'] as const) {
      const label = `${kind}/${this.configurationName}`;
      const cfg = await this.get(kind);
      if (!cfg) {
        result.missing.push(label);
        continue;
      }
      const ops = (cfg.webhooks ?? []).flatMap((w, i) =>
        w.clientConfig.caBundle === caBundle
          ? []
          : [
              { op: 'test', path: `/webhooks/${i}/name`, value: w.name },
              { op: w.clientConfig.caBundle === undefined ? 'add' : 'replace', path: `/webhooks/${i}/clientConfig/caBundle`, value: caBundle },
            ],
      );
      if (ops.length === 0) {
        result.current.push(label);
        continue;
      }
      const opts = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);
      if (kind === 'MutatingWebhookConfiguration') await this.api.patchMutatingWebhookConfiguration({ name: this.configurationName, body: ops, fieldManager: 'sgbridge' }, opts);
      else await this.api.patchValidatingWebhookConfiguration({ name: this.configurationName, body: ops, fieldManager: 'sgbridge' }, opts);
      result.patched.push(label);
    }
    return result;
  }
}
