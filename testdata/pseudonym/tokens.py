#!/usr/bin/env python3
"""Fill in (or, with --check, verify) the fingerprint, subkeys and tokens of
vectors.json from its key and hand-written messages, using only the Python
standard library. This is the token step of the morketall contract in a
few dozen lines, independent of the Go code:

  subkey(name) = HKDF-SHA256(key, salt = none, info = "morketall/v1/match-key:" + name, 32 bytes)
  token        = hex(HMAC-SHA256(subkey(name), message)[:16])      ("" when message is "")
  fingerprint  = "mkfp1-" + hex(HKDF-SHA256(key, none, "morketall/v1/fingerprint", 8 bytes))

For a Bloom key (listed in "bloom_keys") the message is the name tokens
joined by spaces, U+001F, and the salt; the value is the Bloom encoding:

  for each token, padded with a space on both sides, each bigram without "?":
      h = HMAC-SHA256(subkey(name), salt + U+001F + bigram)
      set bits int.from_bytes(h[2i:2i+2], "big") % 512 for i in 0..9
  fold: bit p of the result (p < 256) = bit p xor bit p+256
  bytes: four 64-bit words, word w holding bits 64w..64w+63 (bit p as 1 << (p % 64)),
         each written big-endian; value = base64url without padding (43 characters)
"""
import base64, hashlib, hmac, json, sys, pathlib

def hkdf(ikm, info, n):
    prk = hmac.new(b"\0" * 32, ikm, hashlib.sha256).digest()      # RFC 5869 extract, no salt
    return hmac.new(prk, info.encode() + b"\x01", hashlib.sha256).digest()[:n]  # one block suffices

def bloom(subkey, message):
    toks, salt = message.split("\x1f", 1)
    f = 0
    for t in toks.split(" "):
        padded = " " + t + " "
        for a, b in zip(padded, padded[1:]):
            if "?" in (a, b):
                continue
            h = hmac.new(subkey, (salt + "\x1f" + a + b).encode(), hashlib.sha256).digest()
            for i in range(10):
                f |= 1 << (int.from_bytes(h[2 * i:2 * i + 2], "big") % 512)
    f = (f & (1 << 256) - 1) ^ (f >> 256)
    words = [(f >> (64 * w)) & (1 << 64) - 1 for w in range(4)]
    return base64.urlsafe_b64encode(b"".join(w.to_bytes(8, "big") for w in words)).decode().rstrip("=")

path = pathlib.Path(__file__).with_name("vectors.json")
v = json.loads(path.read_text(encoding="utf-8"))
key = bytes.fromhex(v["key"])
blooms = set(v.get("bloom_keys", []))
new = dict(v)
new["fingerprint"] = "mkfp1-" + hkdf(key, "morketall/v1/fingerprint", 8).hex()
new["subkeys"] = {k: hkdf(key, "morketall/v1/match-key:" + k, 32).hex() for k in v["subkeys"]}
for r in new["records"]:
    sub = lambda k: bytes.fromhex(new["subkeys"][k])
    r["tokens"] = {k: ("" if not m else bloom(sub(k), m) if k in blooms else hmac.new(sub(k), m.encode(), hashlib.sha256).digest()[:16].hex())
                   for k, m in r["messages"].items()}
if "--check" in sys.argv:
    sys.exit(0 if new == v else "vectors.json differs from what tokens.py computes")
path.write_text(json.dumps(new, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
