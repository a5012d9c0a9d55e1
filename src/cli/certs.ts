// `sgbridge certs`: a CA and a serving certificate for a webhook reached by name or address.
import { Option, type Command } from 'commander';
import { checkSubjectNames } from '../tls/ca.js';
import { issueLocalCertificates } from '../tls/local.js';
import { certificateExpiry, parseCertificate } from '../tls/material.js';

/** Repeated flags and comma lists both work: --dns a --dns b,c → [a, b, c]. */
export function collectList(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').map((v) => v.trim()).filter((v) => v !== '')];
}

function positiveDays(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 3650) throw new Error(`--days: expected a whole number of days from 1 to 3650, got "${value}"`);
  return n;
}

export function registerCerts(program: Command): void {
  program
    .command('certs')
    .description('write a CA and a serving certificate (PEM): DIR/ca.crt, DIR/tls.crt, DIR/tls.key (and DIR/ca.key, to sign the next one)')
    .requiredOption('--out <DIR>', 'directory to write to (created when missing)')
    .option('--dns <NAME>', 'DNS name the certificate is valid for; repeat or comma-separate', collectList)
    .option('--ip <IP>', 'IP address the certificate is valid for; repeat or comma-separate', collectList)
    .addOption(new Option('--days <N>', 'validity of the serving certificate in days').default(365).argParser(positiveDays))
    .option('--new-ca', 'make a new CA even when DIR holds a usable one (a caBundle already applied must then be replaced)')
    .addHelpText('after', '\nWithout --dns and --ip the certificate is for localhost and 127.0.0.1.\nExample: sgbridge certs --out certs --dns sgbridge.example.internal --ip 10.0.0.12,127.0.0.1')
    .action(async (opts: { out: string; dns?: string[]; ip?: string[]; days: number; newCa?: boolean }) => {
      const none = !opts.dns?.length && !opts.ip?.length;
      const dns = none ? ['localhost'] : (opts.dns ?? []);
      const ips = none ? ['127.0.0.1'] : (opts.ip ?? []);
      checkSubjectNames(dns, ips);
      const { material, caReused } = await issueLocalCertificates(opts.out, { dns, ips, days: opts.days, newCa: opts.newCa === true });
      const ca = parseCertificate(material.ca);
      const lines = [
        `${caReused ? 'kept the CA' : 'made a new CA'} in ${opts.out}/ca.crt (SHA-256 ${ca.fingerprint256}, expires ${certificateExpiry(material.ca).toISOString()})`,
        `wrote ${opts.out}/tls.crt and ${opts.out}/tls.key for ${[...dns, ...ips].join(', ')} (expires ${certificateExpiry(material.cert).toISOString()})`,
        `next: sgbridge webhook-config --url https://${dns[0] ?? (ips[0]!.includes(':') ? `[${ips[0]}]` : ips[0])}:8443 --ca-file ${opts.out}/ca.crt | kubectl apply -f -`,
      ];
      process.stdout.write(lines.join('\n') + '\n');
    });
}
