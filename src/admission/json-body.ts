// Request bodies are parsed as JSON whatever their content type (the apiserver always sends JSON;
// anything else is answered 400 by the codec). Nesting is bounded before parsing: V8 parses even
// millions of levels, but slowly on a large body, and any recursive walk over the result would
// overflow the stack. Real AdmissionReviews are a few dozen levels deep.
import sjson from 'secure-json-parse';

export const MAX_JSON_DEPTH = 1000;
/**
 * Objects and arrays in one body. Parsed, each costs tens of bytes of heap, so 7 MiB of nothing
 * but brackets would become hundreds of MB and seconds of parsing; the objects an AdmissionReview
 * carries (etcd stores at most 1.5 MiB per object, and a review holds two) stay far below it.
 */
export const MAX_JSON_CONTAINERS = 250_000;

export class BodyError extends Error {
  readonly statusCode = 400;
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'BodyError';
  }
}

/** Opening brackets anywhere in the text (strings included), counted natively up to `limit`. */
function openingBrackets(text: string, limit: number): number {
  let n = 0;
  for (const bracket of ['{', '[']) {
    for (let i = text.indexOf(bracket); i !== -1 && n <= limit; i = text.indexOf(bracket, i + 1)) n++;
  }
  return n;
}

/**
 * 'depth' when brackets outside strings nest deeper than `maxDepth`, 'containers' when there are
 * more than `maxContainers` of them; one linear pass, no recursion.
 */
export function jsonShapeExceeds(text: string, maxDepth: number, maxContainers = Infinity): 'depth' | 'containers' | undefined {
  // Fast path for ordinary bodies: fewer opening brackets than either bound cannot pass it.
  const bound = Math.min(maxDepth, maxContainers);
  if (text.length <= bound || openingBrackets(text, bound) <= bound) return undefined;
  let depth = 0;
  let containers = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > maxDepth) return 'depth';
      if (++containers > maxContainers) return 'containers';
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
  }
  return undefined;
}

/** Parses a body within the depth and size bounds, then with secure-json-parse's prototype-poisoning checks. */
export function makeJsonBodyParser(safeParse: (text: string) => unknown, maxDepth = MAX_JSON_DEPTH, maxContainers = MAX_JSON_CONTAINERS): (text: string) => unknown {
  return (text) => {
    if (text.length === 0 || (text.length < 16 && text.trim() === '')) throw new BodyError('body', 'body: expected an AdmissionReview JSON object, got an empty body');
    const exceeds = jsonShapeExceeds(text, maxDepth, maxContainers);
    if (exceeds === 'depth') throw new BodyError('body', `body: JSON nested deeper than ${maxDepth} levels; an AdmissionReview is never that deep`);
    if (exceeds === 'containers') throw new BodyError('body', `body: more than ${maxContainers} JSON objects and arrays; an AdmissionReview never holds that many`);
    try {
      return safeParse(text);
    } catch (err) {
      const message = (err as Error).message;
      if (/prototype|constructor/.test(message)) throw new BodyError('body', 'body: holds a forbidden "__proto__" or "constructor.prototype" key');
      throw new BodyError('body', `body: not valid JSON (${message})`);
    }
  };
}

/**
 * False only for text in which secure-json-parse's key checks cannot match, so that plain
 * JSON.parse returns what it would. Its patterns look for a "__proto__" or "constructor" key with
 * any letter either literal or a \u escape, so a match holds some "\u" or the key spelled out.
 * Why: its regular-expression scans run over every body, and plain substring searches are
 * cheaper. "uctor" is searched rather than "constructor" because V8's search skips ahead to each
 * first letter, and "u" is far rarer than "c" in JSON. A leading BOM, which it strips, goes to it
 * as well.
 */
export function mayHoldForbiddenKey(text: string): boolean {
  return text.includes('\\u') || text.includes('__proto__') || text.includes('uctor') || text.charCodeAt(0) === 0xfeff;
}

const safeParse = (text: string): unknown => (mayHoldForbiddenKey(text) ? sjson.parse(text, { protoAction: 'error', constructorAction: 'error' }) : JSON.parse(text));

/** The admission body parser: depth-bounded, and a "__proto__" or "constructor.prototype" key is refused. */
export const parseAdmissionBody = makeJsonBodyParser(safeParse);
