// The dynamic provider Pulumi serializes into state and runs in its own process
// (@pulumi/pulumi/cmd/dynamic-provider). The closure serializer copies every function and value
// these methods reach, so they reach almost nothing: each call loads the real implementation
// (impl.ts) from the project directory at run time. No client, module or secret is captured;
// the serialized text stays a few hundred bytes and does not change when impl.ts does.
import type * as pulumi from "@pulumi/pulumi";
import { needsVerification } from "./logic";

/** Loads impl.ts in the provider process, registering ts-node once for the project's TypeScript. */
function loadGateImpl(projectRoot: string): any {
  if (typeof projectRoot !== "string" || !projectRoot.startsWith("/")) {
    throw new Error("verification gate: input projectRoot must be an absolute path");
  }
  const g = globalThis as any;
  if (!g.__acv2GateTsNode) {
    const tsNode = require(`${projectRoot}/node_modules/ts-node`);
    tsNode.register({ transpileOnly: true, project: `${projectRoot}/tsconfig.json`, skipIgnore: false });
    g.__acv2GateTsNode = true;
  }
  return require(`${projectRoot}/components/gate/impl`);
}

// check and diff run on every preview and up; a fresh provider process pays seconds for ts-node,
// zod and the suite, so an unchanged `pulumi up` must not load them. diff compares triggers with
// the stored outputs. check receives the old *inputs* (they hold no verdict): those passed this
// same validation when they were stored, so an unchanged configHash (over the whole config,
// secrets included) needs no second look. A config that stricter code would now refuse is
// still refused by the program's own parse and by verify() before anything runs.
export const gateProvider: pulumi.dynamic.ResourceProvider = {
  async check(olds: any, news: any) {
    const validatedBefore = typeof news.configHash === "string" && olds?.configHash === news.configHash;
    if (validatedBefore) return { inputs: news };
    return loadGateImpl(news.projectRoot ?? olds.projectRoot).check(olds, news);
  },
  async diff(_id: string, olds: any, news: any) {
    return { changes: needsVerification(olds, news).verify, replaces: [], deleteBeforeReplace: false };
  },
  async create(inputs: any) {
    return loadGateImpl(inputs.projectRoot).create(inputs);
  },
  async update(id: string, olds: any, news: any) {
    return loadGateImpl(news.projectRoot).update(id, olds, news);
  },
  async delete() {
    // Verification leaves nothing behind in the cluster: deleting the record is enough.
  },
};
