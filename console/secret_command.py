"""``pao-console secret set|delete|status NAME``: credentials go to the OS keyring, typed at a prompt or piped in.

The value is never echoed, printed or logged; ``status`` only says whether one is stored. Without a usable keyring
every action says so and exits 3: nothing is stored anywhere else, and "not set" or "removed" would be untrue.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from services.credentials import CredentialStore, KeyringUnavailableError

EXIT_NO_KEYRING = 3


def run_secret(args: argparse.Namespace, store: CredentialStore | None = None) -> int:
    creds = store or CredentialStore()
    try:
        if args.action == "set":
            creds.read(args.name)  # no keyring: say so before asking for a value that could not be kept
            value = getpass.getpass(f"{args.name}: ") if sys.stdin.isatty() else sys.stdin.readline().strip()
            if not value:
                print("pao-console secret: empty value, nothing stored", file=sys.stderr)
                return 2
            creds.set(args.name, value)
            print(f"{args.name} stored in the OS keyring")
        elif args.action == "delete":
            removed = creds.delete(args.name)
            print(f"{args.name} removed from the OS keyring" if removed else f"{args.name} was not set")
        else:
            print(f"{args.name}: {'stored' if creds.read(args.name) else 'not set'}")
    except KeyringUnavailableError as exc:
        print(f"pao-console secret: the OS keyring is not available, so {args.name} cannot be "
              f"{'stored' if args.action == 'set' else 'removed' if args.action == 'delete' else 'read'}: {exc}",
              file=sys.stderr)
        if args.name.startswith("simulator-token-"):
            print("pao-console secret: a console started with --simulator-url takes the simulator's tokens in "
                  "Sync > Enter simulator tokens… instead (kept in memory until it closes)", file=sys.stderr)
        return EXIT_NO_KEYRING
    return 0
