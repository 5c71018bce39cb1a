// A committed stack file in a fresh Pulumi workspace on the loopback control plane, with the
// fixture service as the app's stand-in: the set-up of the e2e suites that run `pulumi up`.
// Skips the suite, printing why, when the Pulumi CLI and plugins or the control plane are not built.
import { startFixture, type Fixture } from "../fixtures/fixtureService";
import { pulumiBinDir, Workspace } from "../integration/engine";
import { clusterOrSkip, placeStack, type Cluster } from "./cluster";

export interface StackWorkspace {
  c: Cluster;
  ws: Workspace;
  fixture: Fixture;
}

/**
 * Mocha `before` body: Pulumi.<stack>.yaml copied as committed into a new workspace whose
 * KUBECONFIG is the live cluster's (Workspace clears it: render mode refuses one). The caller
 * points the checks at local targets (editStack) and runs initStack.
 */
export async function stackWorkspaceOrSkip(ctx: Mocha.Context, stack: string, name: string): Promise<StackWorkspace> {
  try {
    pulumiBinDir();
  } catch (err) {
    console.log(`      SKIPPED (e2e): ${(err as Error).message}`);
    ctx.skip();
  }
  const c = await clusterOrSkip(ctx);
  const fixture = await startFixture();
  const ws = new Workspace(name);
  await placeStack(c, ws.dir, stack);
  ws.env.KUBECONFIG = c.kubeconfig;
  return { c, ws, fixture };
}

/** Mocha `after` body: destroys what the stack made (even when a step failed midway), removes the workspace, closes the fixture. */
export async function removeStackWorkspace(s: Partial<StackWorkspace>, stack: string): Promise<void> {
  if (s.ws) await s.ws.pulumi(["destroy", "--yes", "--stack", stack]).catch(() => undefined);
  s.ws?.remove();
  await s.fixture?.close();
}
