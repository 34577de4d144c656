"""The benchmark's oras-py peer: push and pull as a user of that package writes them."""

import sys

import oras.client


def main() -> None:
    op, reference, *rest = sys.argv[1:]
    client = oras.client.OrasClient(insecure=True)
    if op == "push":
        # Paths relative to the working directory: the files' titles.
        client.push(target=reference, files=rest)
    elif op == "pull":
        client.pull(target=reference, outdir=rest[0])
    else:
        raise SystemExit(f"unknown operation {op}")


if __name__ == "__main__":
    main()
