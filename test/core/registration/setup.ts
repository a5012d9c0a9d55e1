// What the registration tests share: settings with break-glass identities, the recorded
// AdmissionReview samples, and a request as another user sends it.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AdmissionRequest } from '../../../src/core/admission-types.js';
import { resolveSettings, type Settings } from '../../../src/core/settings.js';
import { ADMISSION_SAMPLES } from '../../support/fixtures.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
export type Any = any;

export const SYNCER = 'system:serviceaccount:sgbridge-system:sgbridge';
export const CALICO_APISERVER = 'system:serviceaccount:calico-apiserver:calico-apiserver';

export const settings: Settings = { ...resolveSettings({ flags: {}, env: {} }), breakGlassUsers: ['alice'], breakGlassGroups: ['ops:oncall'] };

export const samples: { file: string; request: AdmissionRequest }[] = readdirSync(ADMISSION_SAMPLES)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((file) => ({ file, request: JSON.parse(readFileSync(join(ADMISSION_SAMPLES, file), 'utf8')).request }));

export const withUser = (req: AdmissionRequest, username: string, groups: string[] = []): Any => ({ ...req, userInfo: { username, groups } });
