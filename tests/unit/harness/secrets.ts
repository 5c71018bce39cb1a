// How secrets look in what the program registered: the SDK serializes a secret as a wrapper
// object { [specialSigKey]: specialSecretSig, value }, and the mock monitor hands those wrappers
// to newResource unchanged. These helpers find, strip and unwrap them.
import * as pulumi from "@pulumi/pulumi";

const SIG_KEY: string = pulumi.runtime.specialSigKey;
const SECRET_SIG: string = pulumi.runtime.specialSecretSig;

/** Canary secret values: unique strings that must never show up outside a secret. */
export const CANARIES = {
  databaseUrl: "postgres://acv2:CANARY-db-pass-7f3a9c@db.internal:5432/acv2",
  dbPassword: "CANARY-db-pass-7f3a9c",
  apiToken: "CANARY-api-token-5b1e8d2c",
  grafanaAdminPassword: "CANARY-grafana-pw-91c4e6",
} as const;

/** The canary value of each secret config key, as `pulumi config set --secret` would set them. */
export const CANARY_SECRETS: Record<string, string> = {
  databaseUrl: CANARIES.databaseUrl,
  apiToken: CANARIES.apiToken,
  grafanaAdminPassword: CANARIES.grafanaAdminPassword,
};

/** Every raw string whose appearance in plain data is a leak (including encoded forms). */
export function canaryForms(): string[] {
  const raw = [CANARIES.dbPassword, CANARIES.apiToken, CANARIES.grafanaAdminPassword];
  return raw.flatMap((s) => [s, Buffer.from(s).toString("base64")]);
}

export function isSecretWrapper(v: unknown): v is { value: unknown } {
  return !!v && typeof v === "object" && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/** Deep copy with every secret subtree replaced by the marker "[secret]". */
export function stripSecrets(v: unknown): unknown {
  if (isSecretWrapper(v)) return "[secret]";
  if (Array.isArray(v)) return v.map(stripSecrets);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, stripSecrets(x)]));
  return v;
}

/** Deep copy with every secret wrapper replaced by its value. */
export function unwrapSecrets(v: unknown): unknown {
  if (isSecretWrapper(v)) return unwrapSecrets(v.value);
  if (Array.isArray(v)) return v.map(unwrapSecrets);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrapSecrets(x)]));
  return v;
}

/** Dotted paths of every secret subtree in `v` (e.g. `stringData.DATABASE_URL`). */
export function secretPaths(v: unknown, at = ""): string[] {
  if (isSecretWrapper(v)) return [at || "(root)"];
  if (Array.isArray(v)) return v.flatMap((x, i) => secretPaths(x, `${at}[${i}]`));
  if (v && typeof v === "object") return Object.entries(v).flatMap(([k, x]) => secretPaths(x, at ? `${at}.${k}` : k));
  return [];
}
