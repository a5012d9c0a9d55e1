// Lenient reading of security-group lists (SPEC §1.1): a JSON array of strings, where one string
// may hold several ids separated by commas or spaces ('["sg-a, sg-b"]', as the integration's docs
// show), or a bare comma-separated list. Ids come out lowercased, de-duplicated and sorted.
import { isSgId } from './vocabulary.js';

export const MAX_GROUPS = 64;
export const SG_LIST_EXAMPLE = `'["sg-0123456789abcdef0"]'`;

export type SgListResult = { ok: true; ids: string[]; wildcard: boolean } | { ok: false; problem: string };

function tokens(value: string): { list: string[] } | { problem: string } {
  const trimmed = value.trim();
  if (trimmed === '') return { problem: 'is empty' };
  if (trimmed.startsWith('[') || trimmed.startsWith('"')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      return { problem: `is not valid JSON (${JSON.stringify(truncate(trimmed))})` };
    }
    const items = Array.isArray(parsed) ? parsed : [parsed];
    const bad = items.find((x) => typeof x !== 'string');
    if (bad !== undefined) return { problem: `must hold strings only, found ${truncate(JSON.stringify(bad))}` };
    return { list: (items as string[]).flatMap(splitIds) };
  }
  return { list: splitIds(trimmed) };
}

function splitIds(s: string): string[] {
  return s.split(/[\s,]+/).filter((t) => t !== '');
}

function truncate(s: string, max = 60): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

/** Parses a list of SG ids; `allowWildcard` accepts "*" (the namespace allow-list). */
export function parseSgList(value: string, allowWildcard = false): SgListResult {
  const t = tokens(value);
  if ('problem' in t) return { ok: false, problem: t.problem };
  let wildcard = false;
  const ids = new Set<string>();
  for (const token of t.list) {
    if (allowWildcard && token === '*') {
      wildcard = true;
      continue;
    }
    const id = token.toLowerCase();
    if (!isSgId(id)) return { ok: false, problem: `holds "${truncate(token)}", which is not a security group id` };
    ids.add(id);
  }
  if (ids.size > MAX_GROUPS) return { ok: false, problem: `names ${ids.size} groups; at most ${MAX_GROUPS} are allowed` };
  return { ok: true, ids: [...ids].sort(), wildcard };
}
