#!/usr/bin/env node
// Local stand-in for the Fibre Cafe gateway's Supplier Updates API, for tests and the demo.
//
//   node gateway_standin.mjs --port 0 --port-file F --client-id ID --client-secret S
//        [--token-ttl SECONDS] [--expires-in-string] [--log-kcis]
//
// Serves, on 127.0.0.1 only:
//   POST /v1/auth/supplier/access-token  OAuth2 client credentials (HTTP Basic or form fields)
//   POST /v1/kcis                        requires a Bearer token this process issued
// Control endpoints for tests:
//   POST /control/kcis-script    JSON array; each entry sets the reply to one later KCI
//                                attempt, as a status (503) or {"status": 204, "delay_ms": 500}
//   POST /control/token-script   the same for the token endpoint (200 issues a token);
//                                an entry may also carry "body", sent verbatim instead
//   POST /control/revoke-tokens  forgets every issued token, so the next KCI gets a real 401
//   GET  /control/kcis           every KCI attempt: status answered, headers, parsed body
//   GET  /control/stats          counters
//   POST /control/reset          clears attempts, scripts, tokens and counters
// Writes the bound port to --port-file once listening and exits on SIGTERM or SIGINT.
// Recorded headers replace the bearer token with the serial number of the token it matched,
// so tests can see a refresh without the stand-in keeping token text in its output.

import http from "node:http";
import crypto from "node:crypto";
import fs from "node:fs";
import process from "node:process";

const MAX_BODY_BYTES = 1024 * 1024;

function parseArgs(argv) {
    const options = {
        port: 0,
        portFile: "",
        clientId: "",
        clientSecret: "",
        tokenTtl: 3600,
        expiresInString: false,
        logKcis: false,
    };
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        const value = () => {
            if (i + 1 >= argv.length) {
                usage(`${arg} needs a value`);
            }
            return argv[++i];
        };
        switch (arg) {
            case "--port": options.port = Number(value()); break;
            case "--port-file": options.portFile = value(); break;
            case "--client-id": options.clientId = value(); break;
            case "--client-secret": options.clientSecret = value(); break;
            case "--token-ttl": options.tokenTtl = Number(value()); break;
            case "--expires-in-string": options.expiresInString = true; break;
            case "--log-kcis": options.logKcis = true; break;
            default: usage(`unknown option ${arg}`);
        }
    }
    if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
        usage("--port must be an integer from 0 to 65535");
    }
    if (!options.clientId || !options.clientSecret) {
        usage("--client-id and --client-secret are required");
    }
    if (!Number.isInteger(options.tokenTtl) || options.tokenTtl < 1) {
        usage("--token-ttl must be a positive integer number of seconds");
    }
    return options;
}

function usage(problem) {
    process.stderr.write(
        `gateway_standin: ${problem}\n` +
        "usage: node gateway_standin.mjs --port 0 --port-file F --client-id ID " +
        "--client-secret S [--token-ttl SECONDS] [--expires-in-string] [--log-kcis]\n");
    process.exit(2);
}

const options = parseArgs(process.argv.slice(2));

let state;
function resetState() {
    state = {
        tokens: new Map(),  // token text -> serial number
        nextTokenSerial: 1,
        kcisScript: [],
        tokenScript: [],
        attempts: [],
        stats: { token_requests: 0, tokens_issued: 0, kci_attempts: 0, kcis_accepted: 0,
                 kci_statuses: {} },
    };
}
resetState();

function readBody(request) {
    return new Promise((resolve, reject) => {
        const chunks = [];
        let size = 0;
        request.on("data", (chunk) => {
            size += chunk.length;
            if (size > MAX_BODY_BYTES) {
                reject(new Error(`body exceeds ${MAX_BODY_BYTES} bytes`));
                request.destroy();
                return;
            }
            chunks.push(chunk);
        });
        request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
        request.on("error", reject);
    });
}

function sendJson(response, status, body) {
    const text = JSON.stringify(body);
    response.writeHead(status, {
        "Content-Type": "application/json",
        "Content-Length": Buffer.byteLength(text),
    });
    response.end(text);
}

function sendEmpty(response, status) {
    response.writeHead(status, { "Content-Length": 0 });
    response.end();
}

// Error envelope of the Supplier Updates API: {uuid, code, messages}.
function sendGatewayError(response, status, code, message) {
    sendJson(response, status, { uuid: crypto.randomUUID(), code, messages: [message] });
}

function nextScripted(script) {
    if (script.length === 0) {
        return null;
    }
    const entry = script.shift();
    return typeof entry === "number" ? { status: entry, delay_ms: 0 } : entry;
}

function delay(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

function parseScript(text) {
    const value = JSON.parse(text);
    if (!Array.isArray(value)) {
        throw new Error("expected a JSON array of statuses or {status, delay_ms} objects");
    }
    return value.map((entry) => {
        const item = typeof entry === "number" ? { status: entry, delay_ms: 0 } : entry;
        if (!Number.isInteger(item.status) || item.status < 100 || item.status > 599) {
            throw new Error(`entry ${JSON.stringify(entry)} has no valid HTTP status`);
        }
        if (item.body !== undefined && typeof item.body !== "string") {
            throw new Error(`entry ${JSON.stringify(entry)} has a body that is not a string`);
        }
        return { status: item.status, delay_ms: item.delay_ms ?? 0, body: item.body };
    });
}

function clientCredentials(request, form) {
    const header = request.headers.authorization ?? "";
    if (header.toLowerCase().startsWith("basic ")) {
        const decoded = Buffer.from(header.slice(6).trim(), "base64").toString("utf8");
        const colon = decoded.indexOf(":");
        if (colon < 0) {
            return null;
        }
        // RFC 6749 section 2.3.1: both parts are form-urlencoded before base64.
        return {
            id: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, " ")),
            secret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, " ")),
        };
    }
    if (form.has("client_id")) {
        return { id: form.get("client_id"), secret: form.get("client_secret") ?? "" };
    }
    return null;
}

async function handleToken(request, response) {
    state.stats.token_requests++;
    const body = await readBody(request);
    const scripted = nextScripted(state.tokenScript);
    if (scripted) {
        await delay(scripted.delay_ms);
        if (scripted.body !== undefined) {
            response.writeHead(scripted.status, { "Content-Type": "application/json" });
            response.end(scripted.body);
            return;
        }
        if (scripted.status !== 200) {
            const error = scripted.status === 400 ? "invalid_request" : "temporarily_unavailable";
            sendJson(response, scripted.status, { error });
            return;
        }
    }
    const contentType = (request.headers["content-type"] ?? "").split(";")[0].trim();
    if (contentType !== "application/x-www-form-urlencoded") {
        sendJson(response, 400, { error: "invalid_request" });
        return;
    }
    const form = new URLSearchParams(body);
    const credentials = clientCredentials(request, form);
    if (!credentials || credentials.id !== options.clientId ||
        credentials.secret !== options.clientSecret) {
        sendJson(response, 400, { error: "invalid_client" });
        return;
    }
    if (!form.has("grant_type")) {
        sendJson(response, 400, { error: "invalid_request" });
        return;
    }
    if (form.get("grant_type") !== "client_credentials") {
        sendJson(response, 400, { error: "unsupported_grant_type" });
        return;
    }
    const token = crypto.randomBytes(24).toString("base64url");
    state.tokens.set(token, state.nextTokenSerial++);
    state.stats.tokens_issued++;
    const expiresIn = options.expiresInString ? String(options.tokenTtl) : options.tokenTtl;
    sendJson(response, 200, { access_token: token, expires_in: expiresIn, token_type: "Bearer" });
}

function recordedHeaders(request, tokenSerial) {
    const headers = { ...request.headers };
    if (headers.authorization !== undefined) {
        headers.authorization = tokenSerial ? `Bearer <token ${tokenSerial}>` : "<not issued here>";
    }
    return headers;
}

function logKci(attempt) {
    if (!options.logKcis) {
        return;
    }
    const body = attempt.body ?? {};
    const test = body.serviceTest ?? {};
    const outcome = test.result?.testOutcome ?? {};
    const parts = [
        `KCI ${body.reasonCode ?? "?"}`,
        `test=${test.id ?? "?"}`,
        `seq=${body.sequenceNumber ?? "?"}`,
        `status=${test.status ?? "?"}`,
    ];
    if (outcome.testResult) {
        parts.push(`result=${outcome.testResult}`, `code=${outcome.code ?? ""}`);
    }
    parts.push(`kci_id=${body.id ?? "?"}`, `-> ${attempt.status}`);
    process.stdout.write(parts.join(" ") + "\n");
}

async function handleKci(request, response) {
    state.stats.kci_attempts++;
    const text = await readBody(request);
    const authorization = request.headers.authorization ?? "";
    const token = authorization.toLowerCase().startsWith("bearer ")
        ? authorization.slice(7).trim() : "";
    const tokenSerial = state.tokens.get(token) ?? 0;
    let body = null;
    try {
        body = JSON.parse(text);
    } catch {
        body = null;
    }
    const attempt = {
        received_at: new Date().toISOString(),
        status: 0,
        token_serial: tokenSerial,
        headers: recordedHeaders(request, tokenSerial),
        body,
        raw_body: body === null ? text : undefined,
    };
    state.attempts.push(attempt);

    const answer = async (status, code, message) => {
        attempt.status = status;
        state.stats.kci_statuses[status] = (state.stats.kci_statuses[status] ?? 0) + 1;
        logKci(attempt);
        if (status === 204) {
            state.stats.kcis_accepted++;
            sendEmpty(response, 204);
        } else {
            sendGatewayError(response, status, code, message);
        }
    };

    if (!tokenSerial) {
        return answer(401, "NOT_AUTHORISED", "Bearer token missing, unknown or revoked");
    }
    if (!request.headers["x-request-id"]) {
        return answer(400, "MALFORMED_REQUEST", "X-Request-ID header is required");
    }
    const contentType = (request.headers["content-type"] ?? "").split(";")[0].trim();
    if (contentType !== "application/json" || body === null || typeof body !== "object") {
        return answer(400, "MALFORMED_REQUEST", "body must be a JSON object (application/json)");
    }
    const scripted = nextScripted(state.kcisScript);
    if (scripted) {
        await delay(scripted.delay_ms);
        const codes = { 400: "MALFORMED_REQUEST", 401: "NOT_AUTHORISED", 422: "INVALID_REQUEST" };
        return answer(scripted.status, codes[scripted.status] ?? "GATEWAY_FAULT",
                      `scripted answer ${scripted.status}`);
    }
    return answer(204);
}

async function handleControl(request, response, path) {
    if (request.method === "GET" && path === "/control/kcis") {
        return sendJson(response, 200, state.attempts);
    }
    if (request.method === "GET" && path === "/control/stats") {
        return sendJson(response, 200, state.stats);
    }
    if (request.method !== "POST") {
        return sendJson(response, 405, { error: "method not allowed" });
    }
    const text = await readBody(request);
    switch (path) {
        case "/control/kcis-script":
            state.kcisScript.push(...parseScript(text));
            return sendJson(response, 200, { queued: state.kcisScript.length });
        case "/control/token-script":
            state.tokenScript.push(...parseScript(text));
            return sendJson(response, 200, { queued: state.tokenScript.length });
        case "/control/revoke-tokens":
            state.tokens.clear();
            return sendEmpty(response, 204);
        case "/control/reset":
            resetState();
            return sendEmpty(response, 204);
        default:
            return sendJson(response, 404, { error: `no control endpoint ${path}` });
    }
}

const server = http.createServer(async (request, response) => {
    const path = new URL(request.url, "http://127.0.0.1").pathname;
    try {
        if (request.method === "POST" && path === "/v1/auth/supplier/access-token") {
            await handleToken(request, response);
        } else if (request.method === "POST" && path === "/v1/kcis") {
            await handleKci(request, response);
        } else if (path.startsWith("/control/")) {
            await handleControl(request, response, path);
        } else {
            sendJson(response, 404, { error: `no route ${request.method} ${path}` });
        }
    } catch (error) {
        if (!response.headersSent) {
            sendJson(response, 400, { error: String(error.message ?? error) });
        }
    }
});

server.listen(options.port, "127.0.0.1", () => {
    const port = server.address().port;
    if (options.portFile) {
        // Written under another name and renamed, so a reader never sees a partial number.
        const temporary = `${options.portFile}.tmp`;
        fs.writeFileSync(temporary, `${port}\n`);
        fs.renameSync(temporary, options.portFile);
    }
    process.stdout.write(`gateway stand-in listening on 127.0.0.1:${port}\n`);
});

for (const signal of ["SIGTERM", "SIGINT"]) {
    process.on(signal, () => {
        server.close();
        server.closeAllConnections();
        process.exit(0);
    });
}
