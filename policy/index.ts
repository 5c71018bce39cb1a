// CrossGuard entry point: `pulumi preview|up --policy-pack policy`. The engine starts this file
// through the Node.js analyzer; everything it enforces is built in pack.ts from the shared rules.
import { PolicyPack } from "@pulumi/policy";
import { buildPolicies } from "./pack";

new PolicyPack("acv2-posture", {
  description: "agent-cellphone-v2 manifest posture (DESIGN.md): security rules mandatory, team-preference rules advisory.",
  policies: buildPolicies(),
});
