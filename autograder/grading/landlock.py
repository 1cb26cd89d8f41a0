"""Landlock, the unprivileged Linux security module, through its three system calls.

`restrict(read=[...], write=[...])` confines the calling process and every process it starts
for good: files may be read (and executed) only beneath the `read` paths and written only
beneath the `write` paths; with ABI 4 and later no TCP connection can be opened or bound;
with ABI 6 and later no signal can be sent to, and no abstract unix socket reached in, a
process outside the sandbox. Landlock needs Linux 5.13 or later; `abi()` says which version
the kernel has (0: none).

`drop_capabilities()` gives up every Linux capability for good, so that a runner started by
root (where user namespaces are unavailable) keeps no privilege but its file ownership.

This module also runs inside the sandbox, so it uses only the standard library.
"""

import ctypes
import os
import platform

SYSCALLS = {"x86_64": (444, 445, 446), "aarch64": (444, 445, 446)}  # create, add_rule, restrict
CREATE_RULESET_VERSION = 1
RULE_PATH_BENEATH = 1
PR_SET_NO_NEW_PRIVS = 38
PR_CAPBSET_DROP, PR_SET_SECUREBITS, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 24, 28, 47, 4
SECUREBITS_LOCKED_NO_ROOT = 0xEF  # every securebit and its lock, but KEEP_CAPS
CAPABILITY_VERSION_3 = 0x20080522

# Filesystem rights, by the ABI that introduced them.
EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
REMOVE_DIR, REMOVE_FILE, MAKE_CHAR, MAKE_DIR = 1 << 4, 1 << 5, 1 << 6, 1 << 7
MAKE_REG, MAKE_SOCK, MAKE_FIFO, MAKE_BLOCK, MAKE_SYM = 1 << 8, 1 << 9, 1 << 10, 1 << 11, 1 << 12
REFER, TRUNCATE, IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
FS_BY_ABI = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 5: (1 << 16) - 1}
READ = EXECUTE | READ_FILE | READ_DIR
NET_BIND_TCP, NET_CONNECT_TCP = 1 << 0, 1 << 1
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1


class LandlockError(OSError):
    """Landlock is missing or refused the ruleset."""


class _Ruleset(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


_libc = ctypes.CDLL(None, use_errno=True)


def _syscalls():
    numbers = SYSCALLS.get(platform.machine())
    if numbers is None:
        raise LandlockError(f"Landlock system calls are not known on {platform.machine()}")
    return numbers


def abi():
    """The kernel's Landlock ABI version, 0 when it has none."""
    try:
        create, _, _ = _syscalls()
    except LandlockError:
        return 0
    version = _libc.syscall(create, None, ctypes.c_size_t(0), ctypes.c_uint32(
        CREATE_RULESET_VERSION))
    return max(0, version)


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


def drop_capabilities():
    """Give up every capability of this process and of what it starts, for good (a process
    without capabilities is left as it is)."""
    _libc.prctl(PR_SET_SECUREBITS, SECUREBITS_LOCKED_NO_ROOT, 0, 0, 0)  # uid 0 gains nothing
    for capability in range(64):
        _libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0)
    _libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    header, data = _CapHeader(CAPABILITY_VERSION_3, 0), (_CapData * 2)()
    if _libc.capset(ctypes.byref(header), data) != 0:
        raise LandlockError(ctypes.get_errno(), "capset failed")


def _fs_rights(version):
    return FS_BY_ABI[max(v for v in FS_BY_ABI if v <= version)]


def restrict(read, write):
    """Confine this process (see the module docstring); return the ABI version used."""
    version = abi()
    if version < 1:
        raise LandlockError("this kernel has no Landlock (Linux 5.13 or later, enabled in "
                            "the lsm= boot parameter)")
    create, add_rule, restrict_self = _syscalls()
    handled = _fs_rights(version)
    attr = _Ruleset(handled, NET_BIND_TCP | NET_CONNECT_TCP if version >= 4 else 0,
                    SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL if version >= 6 else 0)
    size = ctypes.sizeof(_Ruleset) if version >= 6 else (16 if version >= 4 else 8)
    ruleset = _libc.syscall(create, ctypes.byref(attr), ctypes.c_size_t(size),
                            ctypes.c_uint32(0))
    if ruleset < 0:
        raise LandlockError(ctypes.get_errno(), "landlock_create_ruleset failed")
    try:
        for paths, rights in ((read, READ), (write, handled)):
            for path in paths:
                _allow(add_rule, ruleset, path, rights & handled)
        if _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise LandlockError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
        if _libc.syscall(restrict_self, ruleset, ctypes.c_uint32(0)) != 0:
            raise LandlockError(ctypes.get_errno(), "landlock_restrict_self failed")
    finally:
        os.close(ruleset)
    return version


def _allow(add_rule, ruleset, path, rights):
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except FileNotFoundError:
        return
    try:
        if not os.path.isdir(path):  # a file can only be given file rights
            rights &= EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV
        rule = _PathBeneath(rights, fd)
        if _libc.syscall(add_rule, ruleset, ctypes.c_int(RULE_PATH_BENEATH), ctypes.byref(rule),
                         ctypes.c_uint32(0)) != 0:
            raise LandlockError(ctypes.get_errno(), f"landlock_add_rule failed for {path}")
    finally:
        os.close(fd)
