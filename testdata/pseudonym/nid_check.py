#!/usr/bin/env python3
"""Independent implementation of the Norwegian identity-number check digits
(PRIVACY.md step 5; Skatteetaten's published rules), used to choose the
identity-number test vectors in vectors.json. Not used by the Go code.

K1 weights 3 7 6 1 8 9 4 5 2 over the first nine digits: k = 11 - (sum mod 11),
11 -> 0, 10 -> invalid. From 2032 the weighted sum including K1 (weight 1) may
leave remainder 0, 1, 2 or 3. K2 weights 5 4 3 2 7 6 5 4 3 2 over the first ten.

    python3 nid_check.py 311299567      # prints the valid completions
"""
import sys

W1 = [3, 7, 6, 1, 8, 9, 4, 5, 2]
W2 = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]


def k2(ten):
    k = 11 - sum(w * int(d) for w, d in zip(W2, ten)) % 11
    return None if k == 10 else k % 11


def completions(nine):
    """All valid 11-digit numbers starting with nine digits: (number, rule)."""
    s = sum(w * int(d) for w, d in zip(W1, nine))
    out = []
    for k1 in range(10):
        r = (s + k1) % 11
        if r > 3:
            continue
        c2 = k2(nine + str(k1))
        if c2 is None:
            continue
        out.append((nine + str(k1) + str(c2), "old" if r == 0 else "2032"))
    return out


def valid(num):
    if len(num) != 11 or not num.isdigit():
        return None
    for n, rule in completions(num[:9]):
        if n == num:
            return rule
    return None


if __name__ == "__main__":
    for a in sys.argv[1:]:
        if len(a) == 9:
            print(a, completions(a))
        else:
            print(a, valid(a))
