#!/usr/bin/env python3
"""Fill in (or, with --check, verify) the fingerprint, subkeys and tokens of
vectors.json from its key and hand-written messages, using only the Python
standard library. This is the token step of the morketall contract in a
dozen lines, independent of the Go code:

  subkey(name) = HKDF-SHA256(key, salt = none, info = "morketall/v1/match-key:" + name, 32 bytes)
  token        = hex(HMAC-SHA256(subkey(name), message)[:16])      ("" when message is "")
  fingerprint  = "mkfp1-" + hex(HKDF-SHA256(key, none, "morketall/v1/fingerprint", 8 bytes))
"""
import hashlib, hmac, json, sys, pathlib

def hkdf(ikm, info, n):
    prk = hmac.new(b"\0" * 32, ikm, hashlib.sha256).digest()      # RFC 5869 extract, no salt
    return hmac.new(prk, info.encode() + b"\x01", hashlib.sha256).digest()[:n]  # one block suffices

path = pathlib.Path(__file__).with_name("vectors.json")
v = json.loads(path.read_text(encoding="utf-8"))
key = bytes.fromhex(v["key"])
new = dict(v)
new["fingerprint"] = "mkfp1-" + hkdf(key, "morketall/v1/fingerprint", 8).hex()
new["subkeys"] = {k: hkdf(key, "morketall/v1/match-key:" + k, 32).hex() for k in v["subkeys"]}
for r in new["records"]:
    r["tokens"] = {k: (hmac.new(bytes.fromhex(new["subkeys"][k]), m.encode(), hashlib.sha256).digest()[:16].hex() if m else "")
                   for k, m in r["messages"].items()}
if "--check" in sys.argv:
    sys.exit(0 if new == v else "vectors.json differs from what tokens.py computes")
path.write_text(json.dumps(new, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
