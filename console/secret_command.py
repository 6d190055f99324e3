"""``pao-console secret set|delete|status NAME``: credentials go to the OS keyring, typed at a prompt or piped in.

The value is never echoed, printed or logged; ``status`` only says whether one is stored.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from keyring.errors import KeyringError

from services.credentials import CredentialStore


def run_secret(args: argparse.Namespace, store: CredentialStore | None = None) -> int:
    creds = store or CredentialStore()
    try:
        if args.action == "set":
            value = getpass.getpass(f"{args.name}: ") if sys.stdin.isatty() else sys.stdin.readline().strip()
            if not value:
                print("pao-console secret: empty value, nothing stored", file=sys.stderr)
                return 2
            creds.set(args.name, value)
            print(f"{args.name} stored in the OS keyring")
        elif args.action == "delete":
            creds.delete(args.name)
            print(f"{args.name} removed from the OS keyring")
        else:
            print(f"{args.name}: {'stored' if creds.get(args.name) else 'not set'}")
    except KeyringError as exc:
        print(f"pao-console secret: the OS keyring is not available: {exc}", file=sys.stderr)
        return 3
    return 0
