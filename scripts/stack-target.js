#!/usr/bin/env node
// Used by scripts/stack before any work: how a stack reaches its cluster, read from the committed
// stack file and the kubeconfig alone (no kubectl, no Pulumi), so a new user learns what is
// missing before minutes of installs and a failing `pulumi up`. Prints one line:
//   render <dir>                  the stack renders manifests (kubernetes.renderYamlToDirectory)
//   in-cluster                    KUBERNETES_SERVICE_HOST is set (the provider uses in-cluster credentials)
//   context <name> <file>         the context the provider will use, and the kubeconfig it is in
//   missing-context <name> <files> kubernetes.context names a context no kubeconfig holds
//   no-kubeconfig <where>         no kubeconfig file exists where the provider looks
//   no-context <files>            kubeconfig found, but no current-context and none configured
// Usage: node scripts/stack-target.js STACK (from the project root). Exit 2 on bad usage.
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");

const stack = process.argv[2];
if (!stack || process.argv.length > 3) {
  process.stderr.write("usage: node scripts/stack-target.js STACK\n");
  process.exit(2);
}
const YAML = require("yaml");

function readYaml(file) {
  try {
    return YAML.parse(fs.readFileSync(file, "utf8")) || {};
  } catch {
    return undefined;
  }
}

const stackDoc = readYaml(`Pulumi.${stack}.yaml`) || {};
const k8s = (stackDoc.config || {})["agent-cellphone-v2:kubernetes"] || {};
if (k8s.renderYamlToDirectory) {
  console.log(`render ${k8s.renderYamlToDirectory}`);
  process.exit(0);
}
if (process.env.KUBERNETES_SERVICE_HOST && !process.env.KUBECONFIG) {
  console.log("in-cluster");
  process.exit(0);
}
// The provider (client-go) merges every file in KUBECONFIG, else reads ~/.kube/config.
const candidates = process.env.KUBECONFIG
  ? process.env.KUBECONFIG.split(path.delimiter).filter(Boolean)
  : [path.join(os.homedir(), ".kube", "config")];
const files = candidates.filter((f) => fs.existsSync(f));
if (files.length === 0) {
  console.log(`no-kubeconfig ${process.env.KUBECONFIG ? `KUBECONFIG=${process.env.KUBECONFIG}` : "~/.kube/config"}`);
  process.exit(0);
}
const docs = files.map((f) => ({ file: f, doc: readYaml(f) || {} }));
const wanted = k8s.context || docs.map((d) => d.doc["current-context"]).find(Boolean);
if (!wanted) {
  console.log(`no-context ${files.join(",")}`);
  process.exit(0);
}
const holder = docs.find((d) => (d.doc.contexts || []).some((c) => c && c.name === wanted));
console.log(holder ? `context ${wanted} ${holder.file}` : `missing-context ${wanted} ${files.join(",")}`);
