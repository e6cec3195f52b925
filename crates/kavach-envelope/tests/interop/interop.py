"""An independent implementation of MOSIP keymanager's envelope layouts (WIRE.md §1) on the
Python `cryptography` package, and JWE compact through `jwcrypto`. Used by
crates/kavach-envelope/tests/interop.rs.

    python3 interop.py seal-mosip <cert.pem> <ver_r2|aad|legacy|legacy-nt> <in> <out> [aad]
    python3 interop.py open-mosip <key.pem>  <ver_r2|aad|legacy|legacy-nt> <in> <out> [aad]
    python3 interop.py seal-jwe   <cert.pem> <plain|zip> <in> <out>
    python3 interop.py open-jwe   <key.pem>  -        <in> <out>

MOSIP envelopes are base64url without padding; parsing uses fixed offsets from the key size.
"""
import base64
import hashlib
import json
import os
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

VER_R2 = b"VER_R2"
SPLITTER = b"#KEY_SPLITTER#"
OAEP = padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None)


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def unb64u(s):
    s = s.strip()
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def load_cert(path):
    with open(path, "rb") as f:
        return x509.load_pem_x509_certificate(f.read())


def load_key(path):
    with open(path, "rb") as f:
        return serialization.load_pem_private_key(f.read(), password=None)


def seal_mosip(cert_path, layout, data, aad):
    cert = load_cert(cert_path)
    thumb = hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).digest()
    session = AESGCM.generate_key(bit_length=256)
    wrapped = cert.public_key().encrypt(session, OAEP)
    gcm = AESGCM(session)
    if layout == "ver_r2":
        salt = os.urandom(32)
        return VER_R2 + thumb + wrapped + SPLITTER + salt + gcm.encrypt(salt[:12], data, salt)
    iv = os.urandom(16)
    block = gcm.encrypt(iv, data, aad if layout == "aad" else None) + iv
    head = b"" if layout == "legacy-nt" else thumb
    return head + wrapped + SPLITTER + block


def open_mosip(key_path, layout, env, aad):
    key = load_key(key_path)
    k = (key.key_size + 7) // 8
    off = {"ver_r2": 38, "aad": 32, "legacy": 32, "legacy-nt": 0}[layout]
    if layout == "ver_r2" and env[:6] != VER_R2:
        raise ValueError("no VER_R2 header")
    if env[off + k:off + k + len(SPLITTER)] != SPLITTER:
        raise ValueError("no key splitter at its offset")
    gcm = AESGCM(key.decrypt(env[off:off + k], OAEP))
    block = env[off + k + len(SPLITTER):]
    if layout == "ver_r2":
        salt = block[:32]
        return gcm.decrypt(salt[:12], block[32:], salt)
    return gcm.decrypt(block[-16:], block[:-16], aad if layout == "aad" else None)


def seal_jwe(cert_path, mode, data):
    from jwcrypto import jwe, jwk
    cert = load_cert(cert_path)
    thumb = hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).digest()
    pub = jwk.JWK.from_pem(cert.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    alg = "RSA-OAEP-256" if pub["kty"] == "RSA" else "ECDH-ES+A256KW"
    header = {"alg": alg, "enc": "A256GCM", "kid": b64u(thumb)}
    if mode == "zip":
        header["zip"] = "DEF"
    token = jwe.JWE(data, protected=json.dumps(header))
    token.add_recipient(pub)
    return token.serialize(compact=True).encode()


def open_jwe(key_path, text):
    from jwcrypto import jwe, jwk
    with open(key_path, "rb") as f:
        key = jwk.JWK.from_pem(f.read())
    token = jwe.JWE()
    token.deserialize(text.decode().strip(), key=key)
    return token.payload


def main():
    op, key_path, mode, src, dst = sys.argv[1:6]
    aad = sys.argv[6].encode() if len(sys.argv) > 6 else None
    with open(src, "rb") as f:
        data = f.read()
    if op == "seal-mosip":
        out = b64u(seal_mosip(key_path, mode, data, aad)).encode()
    elif op == "open-mosip":
        out = open_mosip(key_path, mode, unb64u(data.decode()), aad)
    elif op == "seal-jwe":
        out = seal_jwe(key_path, mode, data)
    elif op == "open-jwe":
        out = open_jwe(key_path, data)
    else:
        raise SystemExit("unknown operation " + op)
    with open(dst, "wb") as f:
        f.write(out)


if __name__ == "__main__":
    main()
