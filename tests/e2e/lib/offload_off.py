# SPDX-License-Identifier: Apache-2.0
"""Turns off offloads of an interface (what `ethtool -K IF tx off tso off gso off` does).

  offload_off.py INTERFACE FEATURE...     FEATURE: tx (checksums), tso, gso

Without TSO and GSO the stack sends every TCP segment as a packet of at most the MTU, as a
wire delivers them; a veth otherwise passes whole super-packets of up to 64 KB on.
"""
import ctypes
import fcntl
import socket
import struct
import sys

SIOCETHTOOL = 0x8946
# The legacy "set" commands, each taking struct ethtool_value { u32 cmd; u32 data; }.
COMMANDS = {"tx": 0x17, "tso": 0x1F, "gso": 0x24}

with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
    for feature in sys.argv[2:]:
        value = ctypes.create_string_buffer(struct.pack("II", COMMANDS[feature], 0))
        ifreq = struct.pack("16sP", sys.argv[1].encode(), ctypes.addressof(value))
        ifreq += b"\0" * (40 - len(ifreq))  # sizeof(struct ifreq)
        fcntl.ioctl(s, SIOCETHTOOL, ifreq)
