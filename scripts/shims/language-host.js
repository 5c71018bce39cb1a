// Stand-in for the Go `pulumi-language-nodejs` language host, whose module the Go proxy here refuses
// (403). It serves the LanguageRuntime gRPC service with the Node SDK's own generated stubs and runs
// programs the way the Go host does: `node @pulumi/pulumi/cmd/run --monitor .. --engine .. <entry>`
// with PULUMI_CONFIG / PULUMI_CONFIG_SECRET_KEYS / PULUMI_NODEJS_TYPESCRIPT in the environment.
// Started by scripts/shims/pulumi-language-nodejs with ACV2_PULUMI_SDK_DIR set to an @pulumi/pulumi dir.
"use strict";
const fs = require("fs");
const path = require("path");
const { spawn } = require("child_process");
const { createRequire } = require("module");

const sdkDir = process.env.ACV2_PULUMI_SDK_DIR;
const sdkRequire = createRequire(path.join(sdkDir, "package.json"));
const grpc = sdkRequire("@grpc/grpc-js");
const langproto = sdkRequire("./proto/language_pb");
const langrpc = sdkRequire("./proto/language_grpc_pb");
const plugproto = sdkRequire("./proto/plugin_pb");
const emptyproto = sdkRequire("google-protobuf/google/protobuf/empty_pb");
const sdkVersion = JSON.parse(fs.readFileSync(path.join(sdkDir, "package.json"), "utf8")).version;

// Bail exit code of @pulumi/pulumi/cmd/run: the program already reported its error to the user.
const BAIL_EXIT_CODE = 32;

// Go-style flags (-tracing=x, -root=x, -typescript) come first; the engine address is positional.
let engineAddress = "";
let tracing = "";
for (const arg of process.argv.slice(2)) {
    const m = /^--?([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (m) {
        if (m[1] === "tracing") tracing = m[2] || "";
    } else if (!engineAddress) {
        engineAddress = arg;
    }
}

function readJson(file) {
    try {
        return JSON.parse(fs.readFileSync(file, "utf8"));
    } catch {
        return undefined;
    }
}

// Finds `node_modules/<mod>` from dir upward, as require.resolve would from a file in dir.
function locateModule(dir, mod) {
    try {
        return createRequire(path.join(path.resolve(dir), "__acv2__.js")).resolve(mod);
    } catch {
        return undefined;
    }
}

function programInfo(req) {
    const info = req.getInfo && req.getInfo();
    const opts = info && info.getOptions() ? info.getOptions().toJavaScript() : {};
    return {
        root: (info && info.getRootDirectory()) || process.cwd(),
        dir: (info && info.getProgramDirectory()) || (req.getPwd && req.getPwd()) || process.cwd(),
        entry: (info && info.getEntryPoint()) || (req.getProgram && req.getProgram()) || ".",
        options: opts || {},
    };
}

// Packages in node_modules (top level and one scope deep) whose package.json says they ship a plugin.
function pulumiPackages(dir) {
    const found = new Map();
    for (let d = path.resolve(dir); ; d = path.dirname(d)) {
        const nm = path.join(d, "node_modules");
        if (fs.existsSync(nm)) {
            const names = [];
            for (const e of fs.readdirSync(nm)) {
                if (e.startsWith("@")) {
                    for (const s of fs.readdirSync(path.join(nm, e))) names.push(`${e}/${s}`);
                } else if (!e.startsWith(".")) {
                    names.push(e);
                }
            }
            for (const name of names) {
                const pkg = readJson(path.join(nm, name, "package.json"));
                if (!pkg || !pkg.pulumi || !pkg.pulumi.resource) continue;
                const pluginName = pkg.pulumi.name || name.replace(/^@pulumi\//, "").replace(/^@/, "");
                let version = pkg.pulumi.version || pkg.version;
                if (version && !version.startsWith("v")) version = `v${version}`;
                if (!found.has(pluginName)) {
                    found.set(pluginName, { name: pluginName, version, server: pkg.pulumi.server || "" });
                }
            }
            break;
        }
        if (path.dirname(d) === d) break;
    }
    return [...found.values()];
}

function nodeArgs(options) {
    const raw = options.nodeargs;
    return typeof raw === "string" && raw.trim() ? raw.trim().split(/\s+/) : [];
}

function runEnv(req, prog) {
    const env = { ...process.env };
    const config = {};
    for (const [k, v] of req.getConfigMap().entries()) config[k] = v;
    env.PULUMI_CONFIG = JSON.stringify(config);
    env.PULUMI_CONFIG_SECRET_KEYS = JSON.stringify(req.getConfigsecretkeysList() || []);
    const ts = prog.options.typescript;
    if (ts === undefined || ts === true || ts === "true") env.PULUMI_NODEJS_TYPESCRIPT = "true";
    if (prog.options.tsconfig) env.PULUMI_NODEJS_TSCONFIG_PATH = String(prog.options.tsconfig);
    delete env.ACV2_PULUMI_SDK_DIR;
    return env;
}

function runArgs(req, prog, runPath) {
    const args = [...nodeArgs(prog.options), runPath];
    const add = (k, v) => {
        if (v !== undefined && v !== null && v !== "") args.push(`--${k}`, String(v));
    };
    add("monitor", req.getMonitorAddress());
    add("engine", engineAddress);
    add("organization", req.getOrganization());
    add("project", req.getProject());
    add("root-directory", prog.root);
    add("stack", req.getStack());
    add("pwd", req.getPwd());
    if (req.getDryrun()) args.push("--dry-run");
    add("parallel", req.getParallel());
    add("tracing", tracing);
    args.push(prog.entry, ...req.getArgsList());
    return args;
}

// The engine asks in two message shapes (plugins, then packages) for the same list.
function dependencies(req, Dependency) {
    return pulumiPackages(programInfo(req).dir).map((p) => {
        const dep = new Dependency();
        dep.setName(p.name);
        dep.setKind("resource");
        dep.setVersion(p.version);
        dep.setServer(p.server);
        return dep;
    });
}

const host = {
    handshake(call, cb) {
        if (call.request.getEngineAddress()) engineAddress = call.request.getEngineAddress();
        cb(null, new langproto.LanguageHandshakeResponse());
    },

    getPluginInfo(call, cb) {
        const info = new plugproto.PluginInfo();
        info.setVersion(sdkVersion);
        cb(null, info);
    },

    getRequiredPlugins(call, cb) {
        const resp = new langproto.GetRequiredPluginsResponse();
        resp.setPluginsList(dependencies(call.request, plugproto.PluginDependency));
        cb(null, resp);
    },

    getRequiredPackages(call, cb) {
        const resp = new langproto.GetRequiredPackagesResponse();
        resp.setPackagesList(dependencies(call.request, plugproto.PackageDependency));
        cb(null, resp);
    },

    run(call, cb) {
        const req = call.request;
        const prog = programInfo(req);
        const runPath =
            locateModule(prog.dir, process.env.PULUMI_LANGUAGE_NODEJS_RUN_PATH || "@pulumi/pulumi/cmd/run") ||
            locateModule(prog.root, "@pulumi/pulumi/cmd/run");
        const resp = new langproto.RunResponse();
        if (!runPath) {
            resp.setError("It looks like the Pulumi SDK has not been installed. Have you run npm install or yarn install?");
            return cb(null, resp);
        }
        // The engine reads the program's diagnostics over gRPC; its raw stdout/stderr go to ours.
        const child = spawn(process.execPath, runArgs(req, prog, runPath), {
            cwd: prog.dir,
            env: runEnv(req, prog),
            stdio: ["ignore", "inherit", "inherit"],
        });
        child.on("error", (err) => {
            resp.setError(`Problem executing program (could not run language executor): ${err.message}`);
            cb(null, resp);
        });
        child.on("exit", (code, signal) => {
            if (code === BAIL_EXIT_CODE) resp.setBail(true);
            else if (code !== 0) resp.setError(`Program exited with non-zero exit code: ${code ?? signal}`);
            cb(null, resp);
        });
    },

    // Dependencies are installed by the project's own `npm ci`; the engine only needs a clean end.
    installDependencies(call) {
        call.end();
    },

    runtimeOptionsPrompts(call, cb) {
        const resp = new langproto.RuntimeOptionsResponse();
        resp.setPromptsList([]);
        cb(null, resp);
    },

    about(call, cb) {
        const resp = new langproto.AboutResponse();
        resp.setExecutable(process.execPath);
        resp.setVersion(process.version.replace(/^v/, ""));
        cb(null, resp);
    },

    getProgramDependencies(call, cb) {
        const dir = programInfo(call.request).dir;
        const pkg = readJson(path.join(dir, "package.json")) || {};
        const deps = { ...(pkg.dependencies || {}) };
        if (call.request.getTransitivedependencies()) Object.assign(deps, pkg.devDependencies || {});
        const resp = new langproto.GetProgramDependenciesResponse();
        resp.setDependenciesList(
            Object.keys(deps).map((name) => {
                const file = locateModule(dir, `${name}/package.json`);
                const info = new langproto.DependencyInfo();
                info.setName(name);
                info.setVersion(((file && readJson(file)) || {}).version || deps[name]);
                return info;
            }),
        );
        cb(null, resp);
    },

    // Policy packs (kind "analyzer") and Node.js provider plugins started through the language host.
    runPlugin(call) {
        const req = call.request;
        const prog = programInfo(req);
        const isPolicy = req.getKind() === "analyzer";
        // A policy pack runs in its own directory, as under the Go host: @pulumi/policy reads the
        // pack's version from ./package.json, which from the project dir would be the program's.
        const dir = isPolicy ? prog.dir : req.getPwd() || prog.dir;
        const script = locateModule(prog.dir, `@pulumi/pulumi/cmd/${isPolicy ? "run-policy-pack" : "run-plugin"}`);
        const send = (field, data) => {
            const r = new langproto.RunPluginResponse();
            r[field](data);
            call.write(r);
        };
        if (!script) {
            send("setStderr", Buffer.from("could not find @pulumi/pulumi in the plugin's node_modules\n"));
            send("setExitcode", 1);
            return call.end();
        }
        const args = isPolicy ? [script, ...req.getArgsList(), prog.dir] : [script, prog.dir, ...req.getArgsList()];
        const env = { ...process.env };
        for (const kv of req.getEnvList()) {
            const i = kv.indexOf("=");
            if (i > 0) env[kv.slice(0, i)] = kv.slice(i + 1);
        }
        if (prog.options.typescript !== false && prog.options.typescript !== "false") env.PULUMI_NODEJS_TYPESCRIPT = "true";
        delete env.ACV2_PULUMI_SDK_DIR;
        const child = spawn(process.execPath, [...nodeArgs(prog.options), ...args], { cwd: dir, env });
        child.stdout.on("data", (d) => send("setStdout", d));
        child.stderr.on("data", (d) => send("setStderr", d));
        child.on("error", (err) => {
            send("setStderr", Buffer.from(`${err.message}\n`));
            send("setExitcode", 1);
            call.end();
        });
        child.on("close", (code) => {
            send("setExitcode", code ?? 1);
            call.end();
        });
    },

    cancel(call, cb) {
        cb(null, new emptyproto.Empty());
    },
};

const server = new grpc.Server({
    "grpc.max_receive_message_length": 400 * 1024 * 1024,
    "grpc.max_send_message_length": 400 * 1024 * 1024,
});
server.addService(langrpc.LanguageRuntimeService, host);
server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) => {
    if (err) {
        console.error(`language host RPC server failed to start: ${err.message}`);
        process.exit(1);
    }
    // Like every plugin: the first stdout line is the port the engine dials.
    process.stdout.write(`${port}\n`);
});
