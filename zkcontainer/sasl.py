"""SASL DIGEST-MD5 for clients and for the quorum (docs/security.md).

start-zookeeper reads the passwords from mounted Secrets at every start and
writes them to one place only: the JAAS file in the conf directory, mode
0600, which the JVM reads through `java.security.auth.login.config`. zoo.cfg,
java.env, the JVM's argv and the log name the file, never a password.
"""

from __future__ import annotations

import posixpath
from typing import NamedTuple

from zkcontainer import ConfigError
from zkcontainer.credentials import SUPERUSER, CredentialProblem, secret_text, users_in_directory
from zkcontainer.probeargs import shown
from zkcontainer.settings import Settings
from zkcontainer.settings.auth import NAME_RULE, is_user_name
from zkcontainer.settings.declarations import QUORUM_SASL_STAGES

JAAS_FILE = "jaas.conf"
SASL_PROVIDER = "org.apache.zookeeper.server.auth.SASLAuthenticationProvider"
DIGEST_LOGIN_MODULE = "org.apache.zookeeper.server.auth.DigestLoginModule"
# ZooKeeper's own names for the sections it reads.
CLIENTS_SECTION = "Server"
QUORUM_SERVER_SECTION = "QuorumServer"
QUORUM_LEARNER_SECTION = "QuorumLearner"

# From 3.9.4 ZooKeeper refuses DIGEST-MD5 in FIPS mode, its default, and a
# client with the right password fails exactly as one with a wrong password.
FIPS_MODE_OFF = "-Dzookeeper.fips-mode=false"
FIPS_MODE_LINE = (
    "SASL DIGEST-MD5 is on: zookeeper.fips-mode=false, without which ZooKeeper 3.9.4 "
    "and later refuse DIGEST-MD5 as if every password were wrong"
)
# ZooKeeper's SASL server takes the client's authorization id as the session's
# identity when its Kerberos rules cannot shorten the name the client
# authenticated as (`x@EVIL`). Our user names hold no '@' or '/', but 3.8.0
# (Debian 12's, measured; 3.9.6 refuses it) answers a name it does not know
# with the password of the last user it looked up: one user's password, under
# such a name, would act as any user, the superuser too. These rules shorten
# every such name to one that is nobody's, so the authorization id never counts.
NOBODY = "unlisted"
AUTH_TO_LOCAL = (
    "-Dzookeeper.security.auth_to_local="
    f"RULE:[1:$1@$0](.*)s/.*/{NOBODY}/ RULE:[2:$1/$2@$0](.*)s/.*/{NOBODY}/ DEFAULT"
)
# The authentication schemes that count when every client must authenticate: a
# TLS client certificate is x509's. Never digest: ZooKeeper's digest provider
# takes any user and password, so anyone could name it.
SASL_SCHEME = "sasl"
CERTIFICATE_SCHEME = "x509"


class Credentials(NamedTuple):
    """The passwords a start writes to the JAAS file."""

    clients: dict[str, str]  # user -> password, from --client_sasl_users
    quorum_password: str | None  # --quorum_sasl_password_file's
    superuser_password: str | None = None  # --reconfig_password_file's, with superuser_by_sasl


def is_on(settings: Settings) -> bool:
    """Whether DIGEST-MD5 is in use, for clients or for the quorum."""
    return settings.client_sasl_users is not None or quorum_sasl_on(settings)


def superuser_by_sasl(settings: Settings) -> bool:
    """Whether the superuser (--reconfig's, which the joiner and zookeeper-scale act
    as) authenticates with SASL: where clients do, so that it gets in when every
    client must authenticate. The digest scheme cannot count as authentication
    (see above), and the members' plaintext port, which our tools use, has no
    client certificate."""
    return settings.reconfig and settings.client_sasl_users is not None


def quorum_sasl_on(settings: Settings) -> bool:
    return QUORUM_SASL_STAGES[settings.quorum_sasl][0]


def jaas_path(settings: Settings) -> str:
    return posixpath.join(settings.conf_dir, JAAS_FILE)


def zoo_cfg_entries(settings: Settings) -> list[tuple[str, object]]:
    """zoo.cfg's keys for SASL and for authentication every client must pass."""
    entries: list[tuple[str, object]] = []
    if settings.client_sasl_users is not None:
        entries.append(("authProvider.sasl", SASL_PROVIDER))
    if settings.client_auth_required:
        schemes = [SASL_SCHEME] if settings.client_sasl_users is not None else []
        if settings.tls_dir is not None and settings.tls_client_auth != "none":
            schemes.append(CERTIFICATE_SCHEME)
        entries += [("enforce.auth.enabled", "true"), ("enforce.auth.schemes", ",".join(schemes))]
    enable, learner, server = QUORUM_SASL_STAGES[settings.quorum_sasl]
    if enable:
        entries += [
            ("quorum.auth.enableSasl", "true"),
            ("quorum.auth.learnerRequireSasl", "true" if learner else "false"),
            ("quorum.auth.serverRequireSasl", "true" if server else "false"),
            ("quorum.auth.learner.saslLoginContext", QUORUM_LEARNER_SECTION),
            ("quorum.auth.server.saslLoginContext", QUORUM_SERVER_SECTION),
        ]
    return entries


def jvm_properties(settings: Settings) -> list[str]:
    """Where the JVM finds the JAAS file, FIPS mode off for DIGEST-MD5, and for
    clients' SASL the rules that keep an authorization id from counting."""
    if not is_on(settings):
        return []
    properties = [f"-Djava.security.auth.login.config={jaas_path(settings)}", FIPS_MODE_OFF]
    if settings.client_sasl_users is not None:
        properties.append(AUTH_TO_LOCAL)
    if superuser_by_sasl(settings):
        properties.append(f"-Dzookeeper.superUser={SUPERUSER}")
    return properties


def read_credentials(settings: Settings, superuser_password: str | None = None) -> Credentials:
    """The passwords from their Secrets, or ConfigError naming every problem;
    `superuser_password` is --reconfig_password_file's, read already."""
    problems: list[str] = []
    clients: dict[str, str] = {}
    if settings.client_sasl_users is not None:
        origin = "--client_sasl_users"
        found, unreadable = users_in_directory(settings.client_sasl_users)
        problems += [f"{origin}: {problem}" for problem in unreadable]
        for user, password in found.items():
            where = f"{origin}: {settings.client_sasl_users}: user {shown(user)}"
            if not is_user_name(user):
                problems.append(f"{where}: not a name JAAS can carry ({NAME_RULE})")
            elif user == SUPERUSER and superuser_by_sasl(settings):
                problems.append(f"{where}: the superuser's, whose password is --reconfig's")
            problems += [f"{where}: {problem}" for problem in password_problems(password)]
        clients = found
    quorum_password = None
    if quorum_sasl_on(settings) and settings.quorum_sasl_password_file is not None:
        try:
            quorum_password = secret_text(settings.quorum_sasl_password_file)
        except CredentialProblem as error:
            problems.append(f"--quorum_sasl_password_file: {error}")
        else:
            where = f"--quorum_sasl_password_file: {settings.quorum_sasl_password_file}"
            problems += [f"{where}: {problem}" for problem in password_problems(quorum_password)]
    superuser = superuser_password if superuser_by_sasl(settings) else None
    if superuser is not None:
        where = f"--reconfig_password_file: {settings.reconfig_password_file}"
        problems += [f"{where}: {problem}" for problem in password_problems(superuser)]
    if problems:
        raise ConfigError(problems)
    return Credentials(clients, quorum_password, superuser)


def password_problems(password: str) -> list[str]:
    """Why a JAAS file cannot carry this password as it is, if it cannot."""
    problems = []
    if "\n" in password or "\r" in password:
        problems.append("the password spans more than one line")
    elif any(ord(char) < 0x20 or ord(char) == 0x7F for char in password):
        problems.append("the password holds a control character")
    if "${" in password:
        # The JVM's JAAS parser expands ${name} to a system property, or fails on
        # an unknown one, and has no escape for it.
        problems.append("the password holds '${', which the JVM would read as a property")
    return problems


def jaas_config(settings: Settings, credentials: Credentials) -> str:
    """The JAAS file: the client users, and the quorum's user as server and as learner."""
    sections = []
    clients = dict(credentials.clients)
    if credentials.superuser_password is not None:
        clients[SUPERUSER] = credentials.superuser_password
    if clients:
        users = [f"user_{user}={_quoted(pw)}" for user, pw in clients.items()]
        sections.append(_section(CLIENTS_SECTION, users))
    if credentials.quorum_password is not None:
        user, password = settings.quorum_sasl_user, _quoted(credentials.quorum_password)
        sections.append(_section(QUORUM_SERVER_SECTION, [f"user_{user}={password}"]))
        learner = [f"username={_quoted(user)}", f"password={password}"]
        sections.append(_section(QUORUM_LEARNER_SECTION, learner))
    return "".join(sections)


def _section(name: str, options: list[str]) -> str:
    lines = "".join(f"\n    {option}" for option in options)
    return f"{name} {{\n    {DIGEST_LOGIN_MODULE} required{lines};\n}};\n"


def _quoted(text: str) -> str:
    """A JAAS string: within double quotes, backslash and quote escaped by a backslash."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
