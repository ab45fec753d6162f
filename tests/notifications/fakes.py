"""Fake push services on loopback that check what they are sent, as FCM and APNs would.

- `FakeFcm`: HTTP/1.1. Google's OAuth2 token endpoint (`POST /token`, a JWT bearer grant
  signed by the service account's key, checked against its public key) and FCM's HTTP v1
  `POST /v1/projects/{id}/messages:send` (the bearer it issued, JSON body with
  message.token and notification). Tokens listed in `gone` answer 404 UNREGISTERED.
- `FakeApns`: HTTP/2 only, over TLS with a certificate of its own (the client trusts it
  through NOTIFICATIONS_APNS_CA_FILE) and `h2` as the only ALPN protocol, as APNs does;
  `POST /3/device/{token}` with an ES256 provider token checked against the key's public
  half, apns-topic and apns-push-type, a JSON body with aps.alert. Tokens in `gone` answer
  410 Unregistered. A client that does not negotiate h2 is refused (and a request in
  HTTP/1.1 would not be understood: the connection preface fails).

Ports: the notifications room's range, 8360-8369.
"""

import json
import socket
import ssl
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import h2.config
import h2.connection
import h2.events
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

# The range this room's test servers use; each takes the first free port (tests run in
# parallel processes).
PORTS = range(8360, 8370)


def bind_in_range(bind) -> int:
    """Call `bind(port)` on the first port of PORTS that is free; the port."""
    for port in PORTS:
        try:
            bind(port)
            return port
        except OSError:
            continue
    raise RuntimeError("no free port in 8360-8369")


@dataclass
class Seen:
    method: str
    path: str
    headers: dict
    body: bytes
    protocol: str

    def json(self) -> dict:
        return json.loads(self.body)


def service_account(token_uri: str, project_id: str = "relier-test") -> tuple[dict, object]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    info = {
        "type": "service_account",
        "project_id": project_id,
        "private_key_id": "key-1",
        "private_key": pem,
        "client_email": f"push@{project_id}.iam.gserviceaccount.com",
        "client_id": "1",
        "token_uri": token_uri,
    }
    return info, key.public_key()


@dataclass
class FakeFcm:
    public_key: object = None
    project_id: str = "relier-test"
    gone: set = field(default_factory=set)
    seen: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    issued: set = field(default_factory=set)
    port: int = 0

    def start(self) -> "FakeFcm":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _answer(self, code: int, body: dict) -> None:
                raw = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                seen = Seen("POST", self.path, dict(self.headers), body, self.request_version)
                fake.seen.append(seen)
                if self.path == "/token":
                    return self._answer(*fake.token(seen))
                return self._answer(*fake.send(seen))

        def bind(port: int) -> None:
            self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)

        self.port = bind_in_range(bind)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def token(self, seen: Seen) -> tuple[int, dict]:
        form = urllib.parse.parse_qs(seen.body.decode())
        if form.get("grant_type") != ["urn:ietf:params:oauth:grant-type:jwt-bearer"]:
            self.errors.append("token: wrong grant_type")
            return 400, {"error": "unsupported_grant_type"}
        try:
            claims = jwt.decode(
                form["assertion"][0],
                self.public_key,
                algorithms=["RS256"],
                audience="https://oauth2.googleapis.com/token",  # as Google requires
            )
        except (jwt.PyJWTError, KeyError) as error:
            self.errors.append(f"token: bad assertion: {error}")
            return 400, {"error": "invalid_grant"}
        if claims.get("scope") != "https://www.googleapis.com/auth/firebase.messaging":
            self.errors.append(f"token: scope {claims.get('scope')}")
            return 400, {"error": "invalid_scope"}
        access = f"ya29.fake-{len(self.issued)}"
        self.issued.add(access)
        return 200, {"access_token": access, "expires_in": 3600, "token_type": "Bearer"}

    def send(self, seen: Seen) -> tuple[int, dict]:
        if seen.path != f"/v1/projects/{self.project_id}/messages:send":
            self.errors.append(f"send: path {seen.path}")
            return 404, {"error": {"code": 404, "status": "NOT_FOUND"}}
        bearer = seen.headers.get("Authorization", "").removeprefix("Bearer ")
        if bearer not in self.issued:
            self.errors.append("send: unknown bearer")
            return 401, {"error": {"code": 401, "status": "UNAUTHENTICATED"}}
        if not seen.headers.get("Content-Type", "").startswith("application/json"):
            self.errors.append("send: not JSON")
            return 400, {"error": {"code": 400, "status": "INVALID_ARGUMENT"}}
        message = json.loads(seen.body).get("message", {})
        well_formed = (
            isinstance(message.get("token"), str)
            and isinstance(message.get("notification", {}).get("title"), str)
            and all(isinstance(v, str) for v in message.get("data", {}).values())
        )
        if not well_formed:
            self.errors.append(f"send: malformed {message}")
            return 400, {"error": {"code": 400, "status": "INVALID_ARGUMENT"}}
        if message["token"] in self.gone:
            return 404, {
                "error": {
                    "code": 404,
                    "message": "Requested entity was not found.",
                    "status": "NOT_FOUND",
                    "details": [
                        {
                            "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
                            "errorCode": "UNREGISTERED",
                        }
                    ],
                }
            }
        return 200, {"name": f"projects/{self.project_id}/messages/{len(self.seen)}"}


@dataclass
class FakeApns:
    public_key: object = None
    team_id: str = "TEAM123456"
    key_id: str = "KEY1234567"
    topic: str = "org.relier.app"
    gone: set = field(default_factory=set)
    seen: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    port: int = 0
    ca_file: str = ""
    negotiated: list = field(default_factory=list)

    def start(self, tls_dir) -> "FakeApns":
        cert, key = self_signed(tls_dir)
        self.ca_file = str(cert)
        self.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.tls.load_cert_chain(cert, key)
        self.tls.set_alpn_protocols(["h2"])
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.port = bind_in_range(lambda port: self.sock.bind(("127.0.0.1", port)))
        self.sock.listen(8)
        self.running = True
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def stop(self) -> None:
        self.running = False
        self.sock.close()

    @property
    def url(self) -> str:
        return f"https://localhost:{self.port}"

    def _accept(self) -> None:
        while self.running:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, raw: socket.socket) -> None:
        try:
            client = self.tls.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError) as error:
            self.errors.append(f"TLS: {error}")
            raw.close()
            return
        protocol = client.selected_alpn_protocol()
        self.negotiated.append(protocol)
        if protocol != "h2":
            self.errors.append(f"ALPN: {protocol}")
            client.close()
            return
        conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False))
        conn.initiate_connection()
        client.sendall(conn.data_to_send())
        streams: dict[int, dict] = {}
        try:
            while True:
                data = client.recv(65535)
                if not data:
                    return
                try:
                    events = conn.receive_data(data)
                except h2.exceptions.ProtocolError as error:
                    self.errors.append(f"not HTTP/2: {error}")
                    return
                for event in events:
                    if isinstance(event, h2.events.RequestReceived):
                        headers = {k.decode(): v.decode() for k, v in event.headers}
                        streams[event.stream_id] = {"headers": headers, "body": b""}
                    elif isinstance(event, h2.events.DataReceived):
                        streams[event.stream_id]["body"] += event.data
                        conn.acknowledge_received_data(
                            event.flow_controlled_length, event.stream_id
                        )
                    elif isinstance(event, h2.events.StreamEnded):
                        request = streams.pop(event.stream_id)
                        code, body = self.answer(request["headers"], request["body"])
                        raw = json.dumps(body).encode() if body else b""
                        conn.send_headers(
                            event.stream_id,
                            [(":status", str(code)), ("content-length", str(len(raw)))]
                            + ([("content-type", "application/json")] if raw else []),
                            end_stream=not raw,
                        )
                        if raw:
                            conn.send_data(event.stream_id, raw, end_stream=True)
                client.sendall(conn.data_to_send())
        except OSError:
            return
        finally:
            client.close()

    def answer(self, headers: dict, body: bytes) -> tuple[int, dict | None]:
        path = headers.get(":path", "")
        self.seen.append(Seen(headers.get(":method", ""), path, headers, body, "HTTP/2"))
        if headers.get(":method") != "POST" or not path.startswith("/3/device/"):
            self.errors.append(f"bad request line {headers.get(':method')} {path}")
            return 404, {"reason": "BadPath"}
        auth = headers.get("authorization", "")
        try:
            token = auth.removeprefix("bearer ")
            header = jwt.get_unverified_header(token)
            claims = jwt.decode(token, self.public_key, algorithms=["ES256"])
            assert header.get("kid") == self.key_id, header
            assert claims.get("iss") == self.team_id, claims
            assert abs(claims.get("iat", 0) - time.time()) < 3600, claims
        except (jwt.PyJWTError, AssertionError) as error:
            self.errors.append(f"provider token: {error}")
            return 403, {"reason": "InvalidProviderToken"}
        if headers.get("apns-topic") != self.topic:
            self.errors.append(f"topic {headers.get('apns-topic')}")
            return 400, {"reason": "TopicDisallowed"}
        if headers.get("apns-push-type") != "alert":
            self.errors.append(f"push type {headers.get('apns-push-type')}")
            return 400, {"reason": "InvalidPushType"}
        try:
            payload = json.loads(body)
            assert isinstance(payload["aps"]["alert"]["title"], str)
        except (ValueError, KeyError, TypeError, AssertionError):
            self.errors.append(f"payload {body!r}")
            return 400, {"reason": "PayloadEmpty"}
        if path.removeprefix("/3/device/") in self.gone:
            return 410, {"reason": "Unregistered", "timestamp": int(time.time() * 1000)}
        return 200, None


def self_signed(directory) -> tuple[object, object]:
    """A certificate for localhost (and 127.0.0.1) and its key, written to `directory`."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "apns-fake.crt", directory / "apns-fake.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def apns_key() -> tuple[str, object]:
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return pem, key.public_key()
