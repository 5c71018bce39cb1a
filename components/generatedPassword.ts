// A password generated once and kept, encrypted, in the stack's state: what `@pulumi/random`'s
// RandomPassword does, as a small dynamic resource. @pulumi/random needs its provider plugin,
// which cannot be downloaded here and would be another long Go build in CI's cold budget.
//
// The provider is serialized into state by Pulumi's closure serializer and runs in the engine's
// dynamic provider process, so it captures nothing: `crypto` is loaded inside the method, and the
// password exists only in the create result, which the engine stores as a secret
// (additionalSecretOutputs). It never logs.
import * as pulumi from "@pulumi/pulumi";

export interface GeneratedPasswordArgs {
  /** Characters, from 16 to 128; a new length generates a new password. Default: 32. */
  length?: number;
}

export const DEFAULT_PASSWORD_LENGTH = 32;

export const generatedPasswordProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds: any, news: any) {
    const length = news.length;
    const ok = Number.isInteger(length) && length >= 16 && length <= 128;
    return ok ? { inputs: news } : { inputs: news, failures: [{ property: "length", reason: "length: must be an integer from 16 to 128" }] };
  },
  async create(inputs: any) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { randomBytes } = require("crypto");
    // base64url: letters, digits, "-" and "_", so the value needs no quoting in env vars or YAML.
    const password: string = randomBytes(inputs.length).toString("base64url").slice(0, inputs.length);
    return { id: randomBytes(8).toString("hex"), outs: { length: inputs.length, password } };
  },
  async diff(_id: string, olds: any, news: any) {
    const changed = olds.length !== news.length;
    return { changes: changed, replaces: changed ? ["length"] : [], deleteBeforeReplace: false };
  },
  async delete() {
    // Nothing outside the state: forgetting the value is all there is to do.
  },
};

/** Type `pulumi-nodejs:dynamic/password:GeneratedPassword`; `password` is a secret Output. */
export class GeneratedPassword extends pulumi.dynamic.Resource {
  // `declare`, not `!`: with ES2022 class fields a plain declaration would be initialised to
  // undefined after super() and hide the Output the SDK created for the property.
  declare public readonly password: pulumi.Output<string>;
  declare public readonly length: pulumi.Output<number>;

  constructor(name: string, args: GeneratedPasswordArgs = {}, opts: pulumi.CustomResourceOptions = {}) {
    super(
      generatedPasswordProvider,
      name,
      { length: args.length ?? DEFAULT_PASSWORD_LENGTH, password: undefined },
      { ...opts, additionalSecretOutputs: [...(opts.additionalSecretOutputs ?? []), "password"] },
      "password",
      "GeneratedPassword",
    );
  }
}
