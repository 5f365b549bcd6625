// OAuth2 authorization server for the integration tests, built on oauth2-mock-server.
//
// It listens on 127.0.0.1 only and issues signed JWTs from POST /token, publishes the public keys
// at GET /jwks and the discovery document at GET /.well-known/openid-configuration. The client
// secret is not checked: the tests that need a rejected client use the gateway stand-in.
//
// Usage:
//   node oauth_server.mjs --info-file FILE [--port N] [--audience AUD] [--scope SCOPE]
//                         [--client-id ID] [--es256] [--token-ttl SECONDS]
//
// --port        TCP port on 127.0.0.1; 0 (the default) lets the kernel choose one.
// --info-file   written once the server listens (atomically, by rename) with
//               {"port":N,"issuer":"http://127.0.0.1:N","jwks_uri":...,"token_endpoint":...}.
// --audience    `aud` claim of every token; omitted when not given.
// --scope       `scope` claim of every token, whatever the request asked for
//               (default "service-tests").
// --client-id   `client_id` claim when the request names no client (neither HTTP Basic nor a
//               `client_id` form field).
// --es256       adds an ES256 key next to the RS256 key. The library rotates through its keys
//               per token, so the first token is signed RS256, the second ES256, and so on.
// --token-ttl   lifetime in seconds written to `exp` (default 3600); a negative value issues
//               tokens that are already expired.
//
// SIGTERM and SIGINT stop the server and exit 0. Tokens and secrets are never printed.

import { rename, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';

import basicAuth from 'basic-auth';
import { OAuth2Server } from 'oauth2-mock-server';

const usage =
    'usage: node oauth_server.mjs --info-file FILE [--port N] [--audience AUD] ' +
    '[--scope SCOPE] [--client-id ID] [--es256] [--token-ttl SECONDS]';

function fail(message) {
    process.stderr.write(`oauth_server: ${message}\n${usage}\n`);
    process.exit(2);
}

function parse_options() {
    let parsed;
    try {
        parsed = parseArgs({
            options: {
                port: { type: 'string', default: '0' },
                'info-file': { type: 'string' },
                audience: { type: 'string' },
                scope: { type: 'string', default: 'service-tests' },
                'client-id': { type: 'string' },
                es256: { type: 'boolean', default: false },
                'token-ttl': { type: 'string', default: '3600' },
            },
            strict: true,
            allowPositionals: false,
        });
    } catch (error) {
        fail(error.message);
    }
    const values = parsed.values;
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
        fail(`--port '${values.port}' is not a TCP port; give 0..65535 (0 picks a free one)`);
    }
    const token_ttl = Number(values['token-ttl']);
    if (!Number.isInteger(token_ttl)) {
        fail(`--token-ttl '${values['token-ttl']}' is not a whole number of seconds`);
    }
    if (!values['info-file']) {
        fail('--info-file is required: the test harness reads the chosen port from it');
    }
    return {
        port,
        info_file: values['info-file'],
        audience: values.audience,
        scope: values.scope,
        client_id: values['client-id'],
        es256: values.es256,
        token_ttl,
    };
}

// Returns the client named by HTTP Basic or by the `client_id` form field, the two forms of
// client authentication in RFC 6749 section 2.3.1. The library has already parsed the form.
function requesting_client(req) {
    const credentials = basicAuth(req);
    if (credentials && credentials.name) {
        return credentials.name;
    }
    if (req.body && typeof req.body.client_id === 'string' && req.body.client_id !== '') {
        return req.body.client_id;
    }
    return undefined;
}

async function main() {
    const options = parse_options();
    const host = '127.0.0.1';

    const server = new OAuth2Server();
    await server.issuer.keys.generate('RS256');
    if (options.es256) {
        await server.issuer.keys.generate('ES256');
    }

    server.service.on('beforeTokenSigning', (token, req) => {
        const now = Math.floor(Date.now() / 1000);
        token.payload.exp = now + options.token_ttl;
        token.payload.scope = options.scope;
        if (options.audience !== undefined) {
            token.payload.aud = options.audience;
        } else {
            delete token.payload.aud;
        }
        const client_id = requesting_client(req) ?? options.client_id;
        if (client_id !== undefined) {
            token.payload.client_id = client_id;
            token.payload.sub = client_id;
        }
        process.stdout.write(
            `token issued client_id=${client_id ?? '-'} kid=${token.header.kid.slice(0, 12)}\n`);
    });
    // The library echoes the requested scope in the response; report the granted one instead.
    server.service.on('beforeResponse', (response) => {
        if (response.statusCode === 200 && response.body && 'access_token' in response.body) {
            response.body.scope = options.scope;
            response.body.expires_in = options.token_ttl;
        }
    });

    try {
        await server.start(options.port, host);
    } catch (error) {
        fail(`cannot listen on ${host}:${options.port}: ${error.message}`);
    }
    const port = server.address().port;
    // The library names a loopback issuer "localhost", but the daemon is configured with the
    // literal address and compares `iss` exactly.
    const issuer = `http://${host}:${port}`;
    server.issuer.url = issuer;

    const info = {
        port,
        issuer,
        jwks_uri: `${issuer}/jwks`,
        token_endpoint: `${issuer}/token`,
    };
    const partial = `${options.info_file}.partial`;
    await writeFile(partial, JSON.stringify(info) + '\n');
    await rename(partial, options.info_file);
    process.stdout.write(`listening issuer=${issuer}\n`);

    let stopping = false;
    const stop = async (signal) => {
        if (stopping) {
            return;
        }
        stopping = true;
        process.stdout.write(`stopping signal=${signal}\n`);
        // close() waits for idle keep-alive connections, so do not let it hold the exit.
        const timer = setTimeout(() => process.exit(0), 2000);
        timer.unref();
        try {
            await server.stop();
        } finally {
            process.exit(0);
        }
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error) => {
    process.stderr.write(`oauth_server: ${error.stack ?? error}\n`);
    process.exit(1);
});
