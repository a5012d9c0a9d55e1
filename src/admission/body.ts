// Reading one request body as text, within the body limit. A body whose Content-Length is over
// the limit is refused before any of it is read; one sent in chunks is counted as it arrives and
// dropped once it passes the limit (Node then reads and discards the rest of it, so nothing of a
// refused body is kept). A body with a Content-Length is read into one buffer of that size, not
// gathered in chunks and copied again.
import type { IncomingMessage } from 'node:http';

export type BodyResult = { ok: true; text: string } | { ok: false; tooLarge: true };

/**
 * The declared Content-Length, or undefined for a body sent in chunks. Read from the raw header
 * list: `req.headers` would build an object of every header on every request, which nothing else
 * here needs. Node has already refused a request with two differing lengths.
 */
export function declaredLength(req: IncomingMessage): number | undefined {
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 14 && name.toLowerCase() === 'content-length') {
      const length = Number(raw[i + 1]);
      return Number.isSafeInteger(length) && length >= 0 ? length : undefined;
    }
  }
  return undefined;
}

/**
 * Reads the body of declared `length` (declaredLength(req)) and calls `done` once with its text,
 * or with tooLarge as soon as it passes `limit`. Nothing is called if the client goes away
 * mid-body: there is no one left to answer.
 */
export function readBody(req: IncomingMessage, length: number | undefined, limit: number, done: (result: BodyResult) => void): void {
  if (length !== undefined && length > limit) return done({ ok: false, tooLarge: true });
  if (length !== undefined) return readSized(req, length, done);
  const chunks: Buffer[] = [];
  let size = 0;
  let refused = false;
  req.on('data', (chunk: Buffer) => {
    if (refused) return;
    size += chunk.length;
    if (size > limit) {
      refused = true;
      chunks.length = 0;
      done({ ok: false, tooLarge: true });
    } else chunks.push(chunk);
  });
  req.on('end', () => {
    if (refused) return;
    const text = Buffer.concat(chunks, size).toString('utf8');
    chunks.length = 0;
    done({ ok: true, text });
  });
}

function readSized(req: IncomingMessage, length: number, done: (result: BodyResult) => void): void {
  // One chunk (nearly every AdmissionReview) is used as it is; larger bodies are copied into place.
  let single: Buffer | undefined;
  let buffer: Buffer | undefined;
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    if (size === 0 && chunk.length === length) single = chunk;
    else {
      buffer ??= Buffer.allocUnsafe(length);
      chunk.copy(buffer, size);
    }
    size += chunk.length;
  });
  req.on('end', () => {
    const text = (single ?? buffer?.subarray(0, size) ?? Buffer.alloc(0)).toString('utf8');
    // The bytes are not needed past this point; the request (and this closure) lives on until answered.
    single = buffer = undefined;
    done({ ok: true, text });
  });
}
