// The matching table against the AWS controller's semantics: policies, a pod's labels, its
// ServiceAccount's labels (null: not known) and the groups the pod gets. Shared by the matching
// test and the CRD schema test (every policy here but the marked ones is one the real CRD stores).
import type { SecurityGroupPolicy } from '../../../src/core/security-group-policy/index.js';
import { sgp } from './builders.js';

export const A = 'sg-0a000000000000001';
export const B = 'sg-0b000000000000002';
export const C = 'sg-0c000000000000003';
export const NS = 'shop';
export const DB = { matchLabels: { role: 'db' } };
export const PROD = { matchExpressions: [{ key: 'environment', operator: 'In', values: ['production', 'qa'] }] };

export type Row = [name: string, policies: SecurityGroupPolicy[], podLabels: Record<string, string>, saLabels: Record<string, string> | null, groups: string[]];

/** Rows whose policies the real CRD refuses (groupIds has minItems: 1), so no cluster holds them. */
export const CRD_REFUSES = new Set(['invalid: empty groupIds']);

export const MATCHING_TABLE: Row[] = [
  ['podSelector only, matching', [sgp('p', NS, { podSelector: DB, groupIds: [A] })], { role: 'db' }, {}, [A]],
  ['podSelector only, not matching', [sgp('p', NS, { podSelector: DB, groupIds: [A] })], { role: 'web' }, { role: 'db' }, []],
  ['podSelector only ignores the ServiceAccount, even unknown', [sgp('p', NS, { podSelector: DB, groupIds: [A] })], { role: 'db' }, null, [A]],
  ['serviceAccountSelector only, matching', [sgp('p', NS, { serviceAccountSelector: PROD, groupIds: [A] })], {}, { environment: 'qa' }, [A]],
  ['serviceAccountSelector only, not matching', [sgp('p', NS, { serviceAccountSelector: PROD, groupIds: [A] })], { environment: 'qa' }, { environment: 'dev' }, []],
  ['both selectors, both match', [sgp('p', NS, { podSelector: DB, serviceAccountSelector: PROD, groupIds: [A] })], { role: 'db' }, { environment: 'production' }, [A]],
  ['both selectors, only the pod matches', [sgp('p', NS, { podSelector: DB, serviceAccountSelector: PROD, groupIds: [A] })], { role: 'db' }, { environment: 'dev' }, []],
  ['both selectors, only the ServiceAccount matches', [sgp('p', NS, { podSelector: DB, serviceAccountSelector: PROD, groupIds: [A] })], { role: 'web' }, { environment: 'qa' }, []],
  ['empty podSelector selects every pod', [sgp('p', NS, { podSelector: {}, groupIds: [A] })], {}, {}, [A]],
  ['empty serviceAccountSelector selects every ServiceAccount', [sgp('p', NS, { serviceAccountSelector: {}, groupIds: [A] })], { any: 'x' }, {}, [A]],
  ['empty podSelector with a serviceAccountSelector still needs the ServiceAccount', [sgp('p', NS, { podSelector: {}, serviceAccountSelector: PROD, groupIds: [A] })], {}, { environment: 'dev' }, []],
  ['a null selector is no selector', [sgp('p', NS, { podSelector: null, serviceAccountSelector: {}, groupIds: [A] })], {}, {}, [A]],
  ['invalid: neither selector', [sgp('p', NS, { groupIds: [A] })], {}, {}, []],
  ['invalid: both selectors null', [sgp('p', NS, { podSelector: null, serviceAccountSelector: null, groupIds: [A] })], {}, {}, []],
  ['invalid: no securityGroups', [sgp('p', NS, { podSelector: {} })], {}, {}, []],
  ['invalid: empty groupIds', [sgp('p', NS, { podSelector: {}, groupIds: [] })], {}, {}, []],
  ['invalid: a selector Kubernetes refuses never matches', [sgp('p', NS, { podSelector: { matchExpressions: [{ key: 'role', operator: 'Equals', values: ['db'] }] }, groupIds: [A] })], { role: 'db' }, {}, []],
  ['invalid serviceAccountSelector, valid podSelector: the policy never matches', [sgp('p', NS, { podSelector: DB, serviceAccountSelector: { matchExpressions: [{ key: 'x', operator: 'In' }] }, groupIds: [A] })], { role: 'db' }, {}, []],
  [
    'several policies: the union, de-duplicated and sorted',
    [sgp('p1', NS, { podSelector: DB, groupIds: [C, A] }), sgp('p2', NS, { serviceAccountSelector: {}, groupIds: [A, B] }), sgp('p3', NS, { podSelector: { matchLabels: { role: 'web' } }, groupIds: ['sg-0d000000000000004'] })],
    { role: 'db' },
    {},
    [A, B, C],
  ],
  ['an invalid policy does not stop the valid ones', [sgp('bad', NS, { groupIds: [B] }), sgp('good', NS, { podSelector: {}, groupIds: [A] })], {}, {}, [A]],
  ['other namespaces do not count', [sgp('p', 'other', { podSelector: {}, groupIds: [A] }), sgp('q', NS, { podSelector: DB, groupIds: [B] })], { role: 'db' }, {}, [B]],
  ['group ids are lowercased', [sgp('p', NS, { podSelector: {}, groupIds: ['SG-0A000000000000001'] })], {}, {}, [A]],
];

