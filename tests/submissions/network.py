"""Reaching the network: TCP to the grading machine's own ports (one the test listens on, and
the usual ones), TCP and DNS to the outside, a TCP server, UDP to a port the test listens on,
and an abstract unix socket the test listens on.

Under bubblewrap the sandbox has its own network namespace with nothing in it but loopback,
and Landlock refuses TCP besides; abstract unix sockets belong to the network namespace (and
Landlock scopes them too). Nothing reaches the listeners. Every answer is correct: full points.
"""

from . import ATTEMPT, FORWARD

OVERRIDES = {"forward": ATTEMPT + r'''
import socket

for port in (@TCP_PORT@, 22, 80, 443, 5432, 8888):
    attempt(f"TCP to 127.0.0.1:{port}", lambda: socket.create_connection(
        ("127.0.0.1", port), timeout=2).sendall(b"let me in"))
attempt("TCP to 1.1.1.1:53", lambda: socket.create_connection(("1.1.1.1", 53), timeout=2))
attempt("DNS lookup", lambda: socket.getaddrinfo("example.com", 443))
attempt("TCP server on 0.0.0.0:8765", lambda: socket.create_server(("0.0.0.0", 8765)))


def udp():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        return sock.sendto(b"let me in", ("127.0.0.1", @UDP_PORT@))


def abstract():
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.connect("\0" + @ABSTRACT@)
        return sock.sendall(b"let me in")


attempt("UDP to 127.0.0.1", udp)
attempt("abstract unix socket", abstract)

''' + FORWARD}
EXPECTED = {"zero": [], "status": "graded", "flags": []}
