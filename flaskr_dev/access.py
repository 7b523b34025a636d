"""Who may use the embedded database: two users whose passwords are kept in instance/.

`flaskr` (readWrite on the flaskr database only) is the app's; `flaskr-admin` (root) is for
`flask db backup` and the operator. The users are made on a server that requires a client
certificate only this process holds, so no other process ever finds the database open.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import secrets
import subprocess
import tempfile
from pathlib import Path

import pymongo
from pymongo.errors import OperationFailure, PyMongoError

from flaskr.config import DB_CREDENTIALS_FILE, db_credentials, embedded_uri, instance_file

from . import embedded

APP_USER = "flaskr"
ADMIN_USER = "flaskr-admin"
ROLES = {"app": [{"role": "readWrite", "db": "flaskr"}], "admin": ["root"]}
AUTHENTICATION_FAILED = 18


def credentials(instance: Path) -> dict:
    """instance/db-credentials, written once (mode 0600) with new random passwords."""
    instance_file(instance / DB_CREDENTIALS_FILE, _new_credentials)
    return db_credentials(instance)


def _new_credentials() -> str:
    users = {"app": APP_USER, "admin": ADMIN_USER}
    made = {
        role: {"user": user, "password": secrets.token_urlsafe(32)} for role, user in users.items()
    }
    return json.dumps(made, indent=2) + "\n"


def serve(instance: Path, port: int, storage: Path, log: Path) -> subprocess.Popen:
    """Start the embedded database with --auth, its users matching instance/db-credentials."""
    users = credentials(instance)
    fresh = not storage.is_dir() or not any(storage.iterdir())
    if fresh:
        provision(storage, users, log)
    proc = embedded.start(port, storage, log, auth=True)
    if fresh or problem(port, instance) is None:
        return proc
    # Made before flaskr asked for credentials, or restored from another instance's backup.
    embedded.stop(proc)
    provision(storage, users, log)
    return embedded.start(port, storage, log, auth=True)


def problem(port: int, instance: Path) -> str | None:
    """Why the server on `port` is not the one instance/db-credentials opens, or None."""
    try:
        with _client(embedded_uri(instance, port, "admin")) as admin:
            options = admin.admin.command("getCmdLineOpts")
        with _client(embedded_uri(instance, port)) as app:
            app.flaskr.list_collection_names()
    except OperationFailure as e:
        if e.code == AUTHENTICATION_FAILED:
            return f"it refuses the users in {instance / DB_CREDENTIALS_FILE}"
        return f"it answered: {e.details.get('errmsg') if e.details else e}"
    except PyMongoError as e:
        return f"it does not answer as a database ({type(e).__name__})"
    if options.get("parsed", {}).get("security", {}).get("authorization") != "enabled":
        return "it runs without authentication"
    return None


def _client(uri: str, **options: object) -> pymongo.MongoClient:
    return pymongo.MongoClient(uri, serverSelectionTimeoutMS=5000, appname="flaskr-dev", **options)


def provision(storage: Path, users: dict, log: Path | None = None) -> None:
    """Create flaskr's users in `storage`, or reset their passwords and roles (server stopped)."""
    with tempfile.TemporaryDirectory(prefix="flaskr-provision-") as folder:
        tls = self_signed(Path(folder))
        port = embedded.free_port()
        proc = embedded.start(port, storage, log, tls=tls)
        try:
            uri = f"mongodb://{embedded.HOST}:{port}/"
            options = {"tls": True, "tlsCAFile": str(tls.cert)}
            with _client(uri, tlsCertificateKeyFile=str(tls.client), **options) as client:
                for role, account in users.items():
                    _set_user(client.admin, account["user"], account["password"], ROLES[role])
        finally:
            embedded.stop(proc)


def _set_user(admin: pymongo.database.Database, user: str, password: str, roles: list) -> None:
    if admin.command("usersInfo", user)["users"]:
        admin.command("updateUser", user, pwd=password, roles=roles)
    else:
        admin.command("createUser", user, pwd=password, roles=roles)


def self_signed(folder: Path) -> embedded.Tls:
    """A throw-away certificate for 127.0.0.1 that is its own CA, and its key, in `folder`."""
    # Imported here: only provisioning needs it, and it comes with the `embedded` extra.
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "flaskr provisioning")])
    now = datetime.datetime.now(datetime.UTC)
    address = x509.IPAddress(ipaddress.ip_address(embedded.HOST))
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName([address]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    tls = embedded.Tls(folder / "cert.pem", folder / "key.pem", folder / "client.pem")
    tls.cert.write_bytes(cert_pem)
    tls.key.write_bytes(key_pem)
    tls.client.write_bytes(cert_pem + key_pem)
    return tls
