"""Passwords from mounted Secrets: how a file holds one, and how a Secret holds users.

Every password zkcontainer reads comes through here: the reconfig superuser's,
the SASL users' and the quorum's. A Secret's file holds its value as given, and
editors and `echo` add a line end, so one line end at the end is not part of it.

Users come in two layouts: zkcontainer's, a Secret whose keys are the users
(users_in_directory), and Bitnami's chart's, a list of user names in the values
and a Secret key holding their passwords in the same order (users_from_lists).
"""

from __future__ import annotations

import os

from zkcontainer.probeargs import shown

# ZooKeeper's superuser, whose password --reconfig_password_file holds: by the
# digest scheme, or by SASL where clients authenticate with SASL.
SUPERUSER = "super"

# Kubernetes writes a Secret's mount through an atomic writer: each key is a
# symlink to `..data/<key>`, and `..data` and `..<timestamp>` are its own.
KUBERNETES_INTERNALS = ".."


class CredentialProblem(Exception):
    """A password file or users directory that cannot be used; the message says why."""


def secret_text(path: str) -> str:
    """The password in a mounted Secret's file, without the line end editors add.
    A problem names the file on one line (a file name may hold a line break)."""
    where = shown(path)
    try:
        with open(path, encoding="utf-8") as file:
            text = file.read()
    except UnicodeDecodeError:
        raise CredentialProblem(f"{where}: not UTF-8 text") from None
    except OSError as error:
        raise CredentialProblem(f"{where}: cannot read: {error.strerror}") from None
    password = text.removesuffix("\n").removesuffix("\r")
    if not password:
        raise CredentialProblem(f"{where}: the password is empty")
    if password.isspace():
        # A template that rendered nothing but its indentation, not a password.
        raise CredentialProblem(f"{where}: the password is only blanks")
    return password


def users_in_directory(path: str) -> tuple[dict[str, str], list[str]]:
    """({user: password}, problems) from a directory where each file is a user,
    named as the user and holding the password: a Secret mounted as a volume."""
    try:
        names = sorted(os.listdir(path))
    except NotADirectoryError:
        return {}, [f"{path}: not a directory"]
    except OSError as error:
        return {}, [f"{path}: cannot read: {error.strerror}"]
    users: dict[str, str] = {}
    problems: list[str] = []
    for name in names:
        if name.startswith(KUBERNETES_INTERNALS):
            continue
        try:
            users[name] = secret_text(os.path.join(path, name))
        except CredentialProblem as error:
            problems.append(str(error))
    if not users and not problems:
        problems.append(f"{path}: holds no user (each key of the Secret is a user name)")
    return users, problems


def users_from_lists(users: str, passwords: str) -> tuple[dict[str, str], list[str]]:
    """({user: password}, problems) from Bitnami's layout: user names and passwords
    each separated by commas, semicolons or whitespace, paired in order."""
    names, secrets = _listed(users), _listed(passwords)
    if len(names) != len(secrets):
        return {}, [f"{len(names)} users but {len(secrets)} passwords: they pair in order"]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        return {}, [f"user {name} is listed twice" for name in repeated]
    return dict(zip(names, secrets, strict=True)), []


def _listed(text: str) -> list[str]:
    for separator in ",;":
        text = text.replace(separator, " ")
    return text.split()
