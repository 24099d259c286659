"""A small OpenID Connect provider for the demo and the tests: it stands in for Google or
Entra on 127.0.0.1 and NEVER belongs in production (it signs in whoever is picked).

It speaks the authorization code flow with PKCE (S256) and signs RS256 ID tokens with a
key it makes at start, published at its JWKS. Tests control what it says: the claims of the
next sign-in, and claims to tamper with (``aud``, ``iss``, ``nonce``, ``exp``…) to check that
the site refuses them. Run it for the demo with ``python -m cbl.sso.devprovider --port 5001``.
"""

import argparse
import base64
import hashlib
import html
import secrets
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from flask import Flask, jsonify, request
from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server

DEMO_CLIENT_ID = "cbl-demo"
DEMO_CLIENT_SECRET = "cbl-demo-secret"
DEMO_PEOPLE = [
    {"sub": "demo-maya", "email": "maya@riverside.example", "email_verified": True, "hd": "riverside.example",
     "name": "Maya Chen"},
    {"sub": "demo-leo", "email": "leo@riverside.example", "email_verified": True, "hd": "riverside.example",
     "name": "Leo Martins"},
    {"sub": "demo-noah", "email": "noah@riverside.example", "email_verified": True, "hd": "riverside.example",
     "name": "Noah Williams"},
    {"sub": "demo-rivera", "email": "rivera@riverside.example", "email_verified": True, "hd": "riverside.example",
     "name": "Ana Rivera"},
    {"sub": "demo-gmail", "email": "maya.personal@gmail.example", "email_verified": True,
     "name": "Maya (personal account)"},
]


@dataclass
class DevProvider:
    issuer: str = ""
    clients: dict[str, str] = field(default_factory=lambda: {DEMO_CLIENT_ID: DEMO_CLIENT_SECRET})
    people: list[dict] = field(default_factory=lambda: [dict(p) for p in DEMO_PEOPLE])
    # Tests: the claims of the next sign-in (skips the page where a person is picked).
    next_claims: dict | None = None
    # Tests: claims written over the ID token's after it is made (e.g. {"aud": "someone-else"}).
    tamper: dict = field(default_factory=dict)
    id_token_seconds: int = 300
    # Tests: the issuer the discovery document names, when not the provider's address (Entra's
    # multi-tenant endpoint names "https://login.microsoftonline.com/{tenantid}/v2.0").
    published_issuer: str = ""
    # Tests: sign with a key of the same id that the JWKS does not hold (a forged token).
    forge_signature: bool = False
    codes: dict = field(default_factory=dict)
    used_codes: set = field(default_factory=set)

    def __post_init__(self):
        self.key = RSAKey.generate_key(2048, parameters={"kid": secrets.token_hex(8), "use": "sig", "alg": "RS256"})
        self.lock = threading.Lock()

    def make_app(self) -> Flask:
        app = Flask("devprovider")

        @app.get("/.well-known/openid-configuration")
        def discovery():
            return jsonify({
                "issuer": self.published_issuer or self.issuer, "authorization_endpoint": self.issuer + "/authorize",
                "token_endpoint": self.issuer + "/token", "jwks_uri": self.issuer + "/jwks",
                "response_types_supported": ["code"], "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"], "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
                "scopes_supported": ["openid", "email", "profile"]})

        @app.get("/jwks")
        def jwks():
            return jsonify({"keys": [self.key.as_dict(private=False)]})

        @app.route("/authorize", methods=["GET", "POST"])
        def authorize():
            args = request.values
            if args.get("client_id") not in self.clients or args.get("response_type") != "code":
                return "Unknown client or response type.", 400
            redirect_uri = args.get("redirect_uri", "")
            if urlsplit(redirect_uri).hostname not in ("127.0.0.1", "localhost"):
                return "This demo provider only sends people back to this machine.", 400
            if args.get("code_challenge_method") != "S256" or not args.get("code_challenge"):
                return "PKCE (S256) is required.", 400
            claims = self.next_claims
            if claims is None and request.method == "POST":
                claims = next((p for p in self.people if p["sub"] == request.form.get("person")), None)
            if claims is None:
                return self._picker(args)
            code = secrets.token_urlsafe(24)
            with self.lock:
                self.codes[code] = {"claims": dict(claims), "client_id": args["client_id"],
                                    "redirect_uri": redirect_uri, "nonce": args.get("nonce"),
                                    "challenge": args["code_challenge"], "at": time.time()}
            query = urlencode({"code": code, "state": args.get("state", "")})
            return "", 302, {"Location": redirect_uri + ("&" if "?" in redirect_uri else "?") + query}

        @app.post("/token")
        def token():
            client_id, secret = request.form.get("client_id"), request.form.get("client_secret")
            if request.authorization and request.authorization.type == "basic":
                client_id, secret = request.authorization.username, request.authorization.password
            if client_id not in self.clients or not secrets.compare_digest(self.clients[client_id], secret or ""):
                return jsonify({"error": "invalid_client"}), 401
            code = request.form.get("code", "")
            with self.lock:
                grant = self.codes.pop(code, None)
                replayed = code in self.used_codes
                self.used_codes.add(code)
            if grant is None or replayed or time.time() - grant["at"] > 120:
                return jsonify({"error": "invalid_grant", "error_description": "unknown or used code"}), 400
            verifier = request.form.get("code_verifier", "")
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if (grant["client_id"] != client_id or grant["redirect_uri"] != request.form.get("redirect_uri")
                    or challenge != grant["challenge"]):
                return jsonify({"error": "invalid_grant", "error_description": "code does not match"}), 400
            now = int(time.time())
            claims = {"iss": self.issuer, "aud": client_id, "iat": now, "exp": now + self.id_token_seconds,
                      **grant["claims"]}
            if grant["nonce"]:
                claims["nonce"] = grant["nonce"]
            claims.update(self.tamper)
            claims = {k: v for k, v in claims.items() if v is not None}
            key = RSAKey.generate_key(2048) if self.forge_signature else self.key
            id_token = jwt.encode({"alg": "RS256", "kid": self.key.kid}, claims, key)
            return jsonify({"access_token": secrets.token_urlsafe(24), "token_type": "Bearer", "expires_in": 300,
                            "id_token": id_token})

        return app

    def _picker(self, args) -> str:
        hidden = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                         for k, v in args.items() if k != "person")
        buttons = "".join(
            f'<li><button name="person" value="{html.escape(p["sub"])}">{html.escape(p["name"])}'
            f'<br><small>{html.escape(p.get("email", ""))}</small></button></li>' for p in self.people)
        return (f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Demo school sign-in</title>
<style>body{{font-family:system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem}}
ul{{list-style:none;padding:0}}button{{width:100%;text-align:left;padding:.8rem;margin:.3rem 0;font-size:1rem;
border:1px solid #888;border-radius:.4rem;background:#fff;cursor:pointer}}button:focus{{outline:3px solid #1a56db}}
</style></head><body><h1>Demo school sign-in</h1>
<p>This stands in for Google or Microsoft on this computer. Choose who you are:</p>
<form method="post" action="/authorize">{hidden}<ul>{buttons}</ul></form></body></html>""")

    def serve(self, host: str = "127.0.0.1", port: int = 0) -> "RunningProvider":
        """Serve in a thread (port 0: any free port); the issuer becomes its address."""
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("The demo provider only listens on this machine.")
        server = make_server(host, port, self.make_app(), threaded=True)
        self.issuer = f"http://{host}:{server.server_port}"
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        return RunningProvider(server, thread)


@dataclass
class RunningProvider:
    server: object
    thread: threading.Thread

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)


def main() -> None:
    parser = argparse.ArgumentParser(description="A demo OpenID Connect provider on 127.0.0.1 (never for production).")
    parser.add_argument("--port", type=int, default=5001)
    options = parser.parse_args()
    provider = DevProvider()
    running = provider.serve("127.0.0.1", options.port)
    print(f"Demo school sign-in provider at {provider.issuer} (client id {DEMO_CLIENT_ID})", flush=True)
    try:
        running.thread.join()
    except KeyboardInterrupt:
        running.stop()


if __name__ == "__main__":
    main()
