// Checks that compare what sgbridge would write with what exists (the cluster's objects, or the
// rendered ones without a cluster), and the cluster-only checks: webhooks and their caBundle,
// certificate expiry, the sync Lease and the last successful sync.
import { X509Certificate } from 'node:crypto';
import type { CalicoObject } from '../calico.js';
import type { NetworkInterface } from '../inventory.js';
import { ENI_ID_LABEL, groupOfMembershipLabel, isMembershipLabel, LAST_SYNC_ANNOTATION } from '../vocabulary.js';
import type { ClusterFacts, DoctorCheck, RegisteredWebhook } from './types.js';

const pass = (name: string, detail: string): DoctorCheck => ({ name, ok: true, detail, fix: '' });
const fail = (name: string, detail: string, fix: string): DoctorCheck => ({ name, ok: false, detail, fix });
const DAY_MS = 86_400_000;
export const CERTIFICATE_WARN_DAYS = 14;

type Present = Exclude<ClusterFacts['objects'], string>;
const SYNC_FIX = 'run `sgbridge sync --once` (or check that the sgbridge leader runs: kubectl -n <namespace> logs deploy/sgbridge); if it keeps coming back, run sgbridge doctor against the cluster';

export function hostEndpointChecks(members: NetworkInterface[], present: Present, where: string): DoctorCheck[] {
  const name = 'host endpoint for every VPC member';
  const heps = present.filter((o) => o.kind === 'HostEndpoint');
  const out: DoctorCheck[] = [];
  for (const eni of members) {
    const hep = heps.find((h) => h.metadata.labels?.[ENI_ID_LABEL] === eni.networkInterfaceId);
    if (!hep) {
      out.push(fail(`${name}: ${eni.networkInterfaceId}`, `no HostEndpoint for VPC member ${eni.networkInterfaceId} (${eni.privateIpAddresses.join(', ') || 'no IPv4'}) ${where}: its address matches no group's selector`, SYNC_FIX));
      continue;
    }
    const has = Object.keys(hep.metadata.labels ?? {}).filter(isMembershipLabel).map(groupOfMembershipLabel).sort();
    const want = [...new Set(eni.groups)].sort();
    const ips = ((hep.spec?.expectedIPs as string[] | undefined) ?? []).slice().sort();
    const wantIps = [...new Set([...eni.privateIpAddresses, ...eni.ipv6Addresses])].sort();
    if (has.join() !== want.join() || ips.join() !== wantIps.join()) {
      out.push(fail(`${name}: ${eni.networkInterfaceId}`, `HostEndpoint ${hep.metadata.name} is stale ${where}: groups [${has.join(', ')}] vs AWS [${want.join(', ')}], IPs [${ips.join(', ')}] vs AWS [${wantIps.join(', ')}]`, SYNC_FIX));
    }
  }
  return out.length ? out : [pass(name, `${members.length} VPC members, each with its HostEndpoint ${where}`)];
}

/** Every tier and policy sgbridge would write exists; reported per security group. */
export function policyChecks(expected: CalicoObject[], present: Present, where: string): DoctorCheck[] {
  const name = 'policy for every security group';
  const have = new Set(present.map((o) => `${o.kind}/${o.metadata.name}`));
  const wanted = expected.filter((o) => o.kind === 'Tier' || o.kind === 'GlobalNetworkPolicy');
  const missing = wanted.filter((o) => !have.has(`${o.kind}/${o.metadata.name}`));
  if (missing.length === 0) return [pass(name, `all ${wanted.length} tiers and policies exist ${where}`)];
  return missing.map((o) => {
    const group = o.metadata.annotations?.['sgbridge.io/security-group'];
    return fail(`${name}: ${o.metadata.name}`, `${o.kind} ${o.metadata.name}${group ? ` for ${group}` : ''} is missing ${where}`, SYNC_FIX);
  });
}

function decodeBundle(b64: string | undefined): X509Certificate[] {
  if (!b64) return [];
  const pem = Buffer.from(b64, 'base64').toString('utf8');
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  const out: X509Certificate[] = [];
  for (const b of blocks) {
    try {
      out.push(new X509Certificate(b));
    } catch {
      // an unreadable block cannot vouch for anything
    }
  }
  return out;
}

function signedBy(cert: X509Certificate, cas: X509Certificate[]): boolean {
  return cas.some((ca) => {
    try {
      return cert.checkIssued(ca) && cert.verify(ca.publicKey);
    } catch {
      return false;
    }
  });
}

const WEBHOOK_FIX = 'register them: helm upgrade --install sgbridge charts/sgbridge (in a cluster), or sgbridge webhook-config --url https://HOST:PORT | kubectl apply -f - (running outside)';

export function webhookChecks(webhooks: ClusterFacts['webhooks'], expectedNames: string[], certificate: ClusterFacts['certificate']): DoctorCheck[] {
  if (typeof webhooks === 'string') return [fail('webhooks registered', `cannot read the webhook configurations: ${webhooks}`, 'grant get on admissionregistration.k8s.io mutating/validatingwebhookconfigurations to the user running doctor')];
  const out: DoctorCheck[] = [];
  const missing = expectedNames.filter((n) => !webhooks.some((w) => w.name === n));
  out.push(
    missing.length
      ? fail('webhooks registered', `not registered: ${missing.join(', ')}`, WEBHOOK_FIX)
      : pass('webhooks registered', `${expectedNames.join(', ')} in ${[...new Set(webhooks.map((w) => `${w.kind}/${w.configuration}`))].join(', ')}`),
  );
  const ours = webhooks.filter((w) => expectedNames.includes(w.name));
  if (typeof certificate === 'string' || !certificate.servingPem) {
    out.push(fail('webhook caBundle matches the serving certificate', `cannot compare: ${typeof certificate === 'string' ? certificate : `no serving certificate in ${certificate.source}`}`, 'make sure sgbridge has created its certificate (sgbridge serve does on start) and that doctor may read it'));
    return out;
  }
  let serving: X509Certificate;
  try {
    serving = new X509Certificate(certificate.servingPem);
  } catch (err) {
    out.push(fail('webhook caBundle matches the serving certificate', `the serving certificate in ${certificate.source} cannot be read: ${(err as Error).message}`, 'let sgbridge renew it: delete the TLS Secret/files and restart sgbridge'));
    return out;
  }
  const bad = ours.filter((w: RegisteredWebhook) => !signedBy(serving, decodeBundle(w.caBundle)));
  out.push(
    bad.length
      ? fail(
          'webhook caBundle matches the serving certificate',
          bad.map((w) => `${w.name} (${w.kind}/${w.configuration}): ${w.caBundle ? 'caBundle holds no CA that signed the serving certificate' : 'no caBundle'}`).join('; ') + ` (serving certificate from ${certificate.source}, issuer ${serving.issuer.replace(/\n/g, ', ')})`,
          'the leader injects the CA bundle into the webhook configurations; check its logs, or re-register with the current CA: sgbridge webhook-config --url https://HOST:PORT --ca-file DIR/ca.crt | kubectl apply -f -',
        )
      : pass('webhook caBundle matches the serving certificate', `every caBundle holds the CA that signed the serving certificate (${certificate.source})`),
  );
  return out;
}

export function certificateChecks(certificate: ClusterFacts['certificate'], now: Date): DoctorCheck[] {
  if (typeof certificate === 'string') return [fail('certificate expiry', `cannot read the certificates: ${certificate}`, 'grant get on the TLS Secret in sgbridge\'s namespace to the user running doctor')];
  const out: DoctorCheck[] = [];
  for (const [label, pem] of [['serving', certificate.servingPem], ['CA', certificate.caPem]] as const) {
    const name = `${label} certificate expiry`;
    if (!pem) {
      out.push(fail(name, `no ${label} certificate in ${certificate.source}`, 'start sgbridge serve once: it creates the CA and serving certificate'));
      continue;
    }
    let notAfter: Date;
    try {
      notAfter = new Date(new X509Certificate(pem).validTo);
    } catch (err) {
      out.push(fail(name, `the ${label} certificate in ${certificate.source} cannot be read: ${(err as Error).message}`, 'delete it and restart sgbridge: it makes a new one'));
      continue;
    }
    const days = Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS);
    if (days < 0) out.push(fail(name, `the ${label} certificate expired on ${notAfter.toISOString()} (${certificate.source}): the apiserver refuses every webhook call`, 'restart the sgbridge leader so it renews the certificate now; if renewal fails, read its logs'));
    else if (days < CERTIFICATE_WARN_DAYS) out.push(fail(name, `the ${label} certificate expires in ${days} days (${notAfter.toISOString()}); sgbridge renews well before that, so renewal is failing`, 'read the sgbridge leader logs for the renewal error; restarting the leader retries at once'));
    else out.push(pass(name, `valid until ${notAfter.toISOString()} (${days} days)`));
  }
  return out;
}

export function leaseChecks(lease: ClusterFacts['lease'], namespace: string, leaseName: string, now: Date, resyncSeconds: number): DoctorCheck[] {
  if (typeof lease === 'string') return [fail('sync leader (Lease)', `cannot read Lease ${namespace}/${leaseName}: ${lease}`, 'grant get on coordination.k8s.io leases in sgbridge\'s namespace to the user running doctor')];
  if (!lease) {
    return [
      fail('sync leader (Lease)', `no Lease ${namespace}/${leaseName}: no replica has ever synced`, `check that sgbridge runs with cluster access (kubectl -n ${namespace} get pods) and may write leases`),
      fail('last successful sync', 'unknown: no Lease', `see "sync leader (Lease)"`),
    ];
  }
  const out: DoctorCheck[] = [];
  const renewed = lease.renewTime ? new Date(lease.renewTime) : undefined;
  const expiresAt = renewed ? renewed.getTime() + (lease.leaseDurationSeconds ?? 15) * 1000 : 0;
  if (!lease.holder) out.push(fail('sync leader (Lease)', `Lease ${namespace}/${leaseName} has no holder: nobody syncs`, `check the sgbridge pods: kubectl -n ${namespace} get pods; kubectl -n ${namespace} logs deploy/sgbridge`));
  else if (expiresAt < now.getTime()) out.push(fail('sync leader (Lease)', `held by ${lease.holder} but last renewed ${lease.renewTime ?? 'never'}: the leader is gone or stuck`, `check ${lease.holder}: kubectl -n ${namespace} get pods; a healthy replica takes over once the Lease expires`));
  else out.push(pass('sync leader (Lease)', `held by ${lease.holder}, renewed ${lease.renewTime}`));

  const last = lease.annotations[LAST_SYNC_ANNOTATION];
  const lastAt = last ? new Date(last) : undefined;
  const staleAfterMs = Math.max(300, resyncSeconds * 10) * 1000;
  if (!lastAt || Number.isNaN(lastAt.getTime())) out.push(fail('last successful sync', `the Lease has no valid ${LAST_SYNC_ANNOTATION} annotation${last ? ` (${JSON.stringify(last)})` : ''}: no round has succeeded`, `read the leader's logs for the failing read or write (kubectl -n ${namespace} logs deploy/sgbridge); sgbridge_sync_read_errors_total names the call`));
  else if (now.getTime() - lastAt.getTime() > staleAfterMs) out.push(fail('last successful sync', `${last}, ${Math.round((now.getTime() - lastAt.getTime()) / 60000)} minutes ago (the interval is ${resyncSeconds} s)`, `read the leader's logs (kubectl -n ${namespace} logs deploy/sgbridge): failed rounds change nothing; held deletions need --allow-deletions or repeat rounds`));
  else out.push(pass('last successful sync', `${last}`));
  return out;
}
