import type { Command } from 'commander';
import { registerCerts } from './certs.js';
import { registerDoctor } from './doctor.js';
import { registerExplain } from './explain.js';
import { registerRender } from './render.js';
import { registerServe } from './serve.js';
import { registerSync } from './sync.js';
import { registerWebhookConfig } from './webhook-config.js';

/** Each command lives in its own file and registers itself here. */
export function registerCommands(program: Command): void {
  for (const register of [registerServe, registerRender, registerSync, registerCerts, registerWebhookConfig, registerDoctor, registerExplain]) {
    register(program);
  }
}
