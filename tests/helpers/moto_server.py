"""Runs moto's S3 server (the one moto_server runs) on 127.0.0.1 for the tests.

Usage: python moto_server.py LOG_FILE

Binds a free port itself (no race between picking a port and binding it) and prints it on
stdout; werkzeug's request log goes to LOG_FILE. Runs until stdin closes, so the server ends
with the test process that started it even when that process is killed; the test helper also
stops it by its pid.
"""

import logging
import os
import sys

from moto.moto_server.threaded_moto_server import ThreadedMotoServer


def main() -> None:
    log = open(sys.argv[1], "a", buffering=1)
    sys.stderr = log
    logging.basicConfig(stream=log, level=logging.WARNING)
    server = ThreadedMotoServer("127.0.0.1", 0, verbose=False)
    server.start()
    print(server.get_host_and_port()[1], flush=True)
    sys.stdin.read()
    os._exit(0)


if __name__ == "__main__":
    main()
