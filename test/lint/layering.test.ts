// The layering lint rule (eslint.config.js) fires on the imports ARCHITECTURE.md forbids and stays
// quiet on the ones it allows: sample files linted in memory at paths inside src/.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/helm.js';

const eslint = new ESLint({ cwd: REPO_ROOT });

/** The no-restricted-imports messages for one import line in a file at `path`. */
async function layering(path: string, importLine: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${importLine}\nexport const used = [x];\n`, { filePath: `${REPO_ROOT}/${path}` });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('layering lint rule', () => {
  it.each([
    ['src/core/sample.ts', "import { x } from '../kube/client.js';"],
    ['src/core/protection/sample.ts', "import { x } from '../../admission/app.js';"],
    ['src/core/translate/sample.ts', "import { x } from '../../sync/syncer.js';"],
    ['src/core/sample.ts', "import type { x } from '../log.js';"],
    ['src/core/doctor/sample.ts', "import { x } from '../../config.js';"],
    ['src/core/sample.ts', "import { x } from 'node:fs';"],
    ['src/core/sample.ts', "import { x } from 'fs/promises';"],
    ['src/core/sample.ts', "import { x } from 'node:child_process';"],
    ['src/core/sample.ts', "import { createServer as x } from 'node:net';"],
    ['src/core/sample.ts', "import { x } from '@kubernetes/client-node';"],
    ['src/core/sample.ts', "import { x } from '@aws-sdk/client-ec2';"],
    ['src/core/sample.ts', "import x from 'fastify';"],
    ['src/core/sample.ts', "import { pino as x } from 'pino';"],
    ['src/admission/sample.ts', "import { x } from '../kube/namespaces.js';"],
    ['src/kube/sample.ts', "import { x } from '../tls/material.js';"],
    ['src/tls/sample.ts', "import { x } from '../aws/source.js';"],
    ['src/aws/sample.ts', "import { x } from '../sync/round.js';"],
    ['src/kube/sample.ts', "import { x } from '../cli/options.js';"],
    ['src/admission/sample.ts', "import { x } from '../config.js';"],
    ['src/sync/sample.ts', "import { x } from '../admission/app.js';"],
    ['src/sync/sample.ts', "import { x } from '../cli/serve.js';"],
    ['src/log.ts', "import { x } from './kube/client.js';"],
    ['src/cli/sample.ts', "import { x } from '../main.js';"],
  ])('forbids in %s: %s', async (path, line) => {
    expect(await layering(path, line)).toHaveLength(1);
  });

  it.each([
    ['src/core/sample.ts', "import { x } from './membership.js';"],
    ['src/core/explain/sample.ts', "import { x } from '../translate/index.js';"],
    ['src/core/sample.ts', "import { isIP as x, BlockList } from 'node:net';"],
    ['src/core/sample.ts', "import { createHash as x } from 'node:crypto';"],
    ['src/core/sample.ts', "import { parse as x } from 'yaml';"],
    ['src/admission/sample.ts', "import { x } from '../core/membership.js';"],
    ['src/admission/sample.ts', "import { x } from '../metrics.js';"],
    ['src/kube/sample.ts', "import type { x } from '../log.js';"],
    ['src/kube/sample.ts', "import { x } from '@kubernetes/client-node';"],
    ['src/sync/sample.ts', "import { x } from '../kube/client.js';"],
    ['src/sync/sample.ts', "import { x } from '../aws/source.js';"],
    ['src/cli/sample.ts', "import { x } from '../sync/syncer.js';"],
    ['src/cli/sample.ts', "import { x } from '../admission/app.js';"],
    ['src/cli/sample.ts', "import { x } from '../config.js';"],
  ])('allows in %s: %s', async (path, line) => {
    expect(await layering(path, line)).toEqual([]);
  });
});
