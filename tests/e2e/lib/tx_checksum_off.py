# SPDX-License-Identifier: Apache-2.0
"""Turns off transmit checksum offload on an interface (what `ethtool -K IF tx off` does),
so that the stack computes full L4 checksums before a packet leaves.

  tx_checksum_off.py INTERFACE
"""
import ctypes
import fcntl
import socket
import struct
import sys

SIOCETHTOOL = 0x8946
ETHTOOL_STXCSUM = 0x17  # struct ethtool_value { u32 cmd; u32 data; }

value = ctypes.create_string_buffer(struct.pack("II", ETHTOOL_STXCSUM, 0))
ifreq = struct.pack("16sP", sys.argv[1].encode(), ctypes.addressof(value))
ifreq += b"\0" * (40 - len(ifreq))  # sizeof(struct ifreq)
with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
    fcntl.ioctl(s, SIOCETHTOOL, ifreq)
