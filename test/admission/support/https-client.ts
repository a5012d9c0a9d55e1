// A tiny HTTPS client for tests: posts over real TLS to the server under test, trusting only the
// test CA, and returns status, headers, body text and the peer certificate.
import { request, type Agent } from 'node:https';
import type { PeerCertificate, TLSSocket } from 'node:tls';

export interface HttpsResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: () => unknown;
  peer: PeerCertificate;
  protocol: string | null;
}

export function httpsCall(
  url: string,
  opts: { ca: string; method?: string; body?: string | Buffer; headers?: Record<string, string>; agent?: Agent; maxVersion?: 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3'; minVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' },
): Promise<HttpsResult> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: opts.method ?? 'POST',
        ca: opts.ca,
        agent: opts.agent ?? false,
        headers: { 'content-type': 'application/json', ...(opts.headers ?? {}) },
        ...(opts.maxVersion ? { maxVersion: opts.maxVersion } : {}),
        ...(opts.minVersion ? { minVersion: opts.minVersion } : {}),
      },
      (res) => {
        const socket = res.socket as TLSSocket;
        const peer = socket.getPeerCertificate();
        const protocol = socket.getProtocol();
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) as unknown, peer, protocol });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}
