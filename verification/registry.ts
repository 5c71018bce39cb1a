// Check types by name. Each loads on first use: a suite without rollout or monitoring checks
// never pays for the Kubernetes client or a database driver, which keeps the CLI quick to start.
import { CHECK_TYPES, type CheckType } from "./schema";
import type { CheckDefinition } from "./types";

type Loaders = { [T in CheckType]: () => CheckDefinition<T> };

/* eslint-disable @typescript-eslint/no-require-imports */
const loaders: Loaders = {
  rollout: () => (require("./checks/rollout") as typeof import("./checks/rollout")).definition,
  health: () => (require("./checks/health") as typeof import("./checks/health")).definition,
  availability: () => (require("./checks/availability") as typeof import("./checks/availability")).definition,
  api: () => (require("./checks/api") as typeof import("./checks/api")).definition,
  database: () => (require("./checks/database") as typeof import("./checks/database")).definition,
  performance: () => (require("./checks/performance") as typeof import("./checks/performance")).definition,
  security: () => (require("./checks/security") as typeof import("./checks/security")).definition,
  external: () => (require("./checks/external") as typeof import("./checks/external")).definition,
  monitoring: () => (require("./checks/monitoring") as typeof import("./checks/monitoring")).definition,
  rollback: () => (require("./checks/rollback") as typeof import("./checks/rollback")).definition,
};

const cache = new Map<CheckType, CheckDefinition>();

/** The implementation of a check type; throws for a type the schema does not know. */
export function getCheck<T extends CheckType>(type: T): CheckDefinition<T> {
  if (!(CHECK_TYPES as readonly string[]).includes(type)) throw new Error(`unknown check type ${JSON.stringify(type)}`);
  let def = cache.get(type);
  if (!def) {
    def = loaders[type]() as unknown as CheckDefinition;
    if (!def || def.type !== type || typeof def.attempt !== "function") {
      throw new Error(`verification/checks/${type}.ts does not export a definition of type ${type}`);
    }
    cache.set(type, def);
  }
  return def as unknown as CheckDefinition<T>;
}
