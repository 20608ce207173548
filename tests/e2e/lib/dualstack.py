# SPDX-License-Identifier: Apache-2.0
"""A threaded TCP server on [::] that also takes IPv4 (V6ONLY off), for the test backends."""
import socket
import socketserver


class DualStackTCPServer(socketserver.ThreadingTCPServer):
    address_family = socket.AF_INET6
    allow_reuse_address = True
    daemon_threads = True

    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()
