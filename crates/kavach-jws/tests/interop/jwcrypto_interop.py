#!/usr/bin/env python3
"""jwcrypto side of kavach-jws's interop tests (tests/interop.rs runs it).

  jwcrypto_interop.py check
      exit 0 when jwcrypto imports (prints its version)
  jwcrypto_interop.py verify PUBLIC_KEY.pem JWS_FILE [DETACHED_PAYLOAD_FILE]
      verifies a compact JWS; prints the payload as hex on success (exit 0), exit 1 on failure
  jwcrypto_interop.py sign PRIVATE_KEY.pem HEADER_JSON_FILE PAYLOAD_FILE attached|detached
      signs with the header given (jwcrypto honours b64:false/crit); prints the compact JWS
  jwcrypto_interop.py verify-json PUBLIC_KEY.pem JWS_JSON_FILE
      verifies the signature of that key in a general JSON JWS; prints the payload as hex
  jwcrypto_interop.py sign-json PAYLOAD_FILE (PRIVATE_KEY.pem PROTECTED_HEADER_JSON)...
      signs with every key, each under its protected header; prints the general JSON JWS
"""
import sys


def main(argv):
    try:
        import jwcrypto
        from jwcrypto import jwk, jws
    except ImportError as e:  # the Rust test turns this into testkit's `missing`
        print(f"jwcrypto not importable: {e}", file=sys.stderr)
        return 3
    if argv[1] == "check":
        print(getattr(jwcrypto, "__version__", "unknown"))
        return 0
    if argv[1] == "verify-json":
        key = jwk.JWK.from_pem(open(argv[2], "rb").read())
        token = jws.JWS()
        token.deserialize(open(argv[3]).read().strip())
        try:
            token.verify(key)
        except Exception as e:
            print(f"refused: {e!r}", file=sys.stderr)
            return 1
        print(token.payload.hex())
        return 0
    if argv[1] == "sign-json":
        token = jws.JWS(open(argv[2], "rb").read())
        rest = argv[3:]
        for key_file, protected in zip(rest[0::2], rest[1::2]):
            token.add_signature(jwk.JWK.from_pem(open(key_file, "rb").read()), None, protected)
        print(token.serialize(compact=False))
        return 0
    if argv[1] == "verify":
        key = jwk.JWK.from_pem(open(argv[2], "rb").read())
        text = open(argv[3]).read().strip()
        token = jws.JWS()
        token.deserialize(text)
        detached = open(argv[4], "rb").read() if len(argv) > 4 else None
        if detached is None and token.objects.get("b64") is False:
            # jwcrypto 1.6.1's compact reader base64url-decodes an unencoded (b64:false)
            # attached payload, so it cannot verify even its own such JWS; hand it the payload
            # segment as it stands (what RFC 7797 §3 signs) as a detached payload.
            h, segment, s = text.split(".")
            detached = segment.encode()
            token = jws.JWS()
            token.deserialize(f"{h}..{s}")
        try:
            if detached is not None:
                token.verify(key, detached_payload=detached)
            else:
                token.verify(key)
        except Exception as e:  # jwcrypto raises InvalidJWSSignature and friends
            print(f"refused: {e!r}", file=sys.stderr)
            return 1
        payload = token.payload if detached is None else detached
        print(payload.hex())
        return 0
    if argv[1] == "sign":
        key = jwk.JWK.from_pem(open(argv[2], "rb").read())
        header = open(argv[3]).read()
        payload = open(argv[4], "rb").read()
        token = jws.JWS(payload)
        token.add_signature(key, None, header)
        if argv[5] == "detached":
            # From jwcrypto's signature object: its compact serializer refuses an unencoded
            # payload containing '.', which a detached payload may contain.
            from jwcrypto.common import base64url_encode
            protected = base64url_encode(token.objects["protected"])
            print(f"{protected}..{base64url_encode(token.objects['signature'])}")
        else:
            print(token.serialize(compact=True))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
