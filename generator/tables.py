"""Facts the specs do not state, keyed by operationId.

The Swagger files describe streamed bodies poorly (pull and build progress
have no schema, events are declared as one object, exec start has no 101
response), so the generator takes stream kinds, method names and parameter
encodings from these tables.
"""

from __future__ import annotations

from generator.model import StreamKind

STREAM_KINDS: dict[str, StreamKind] = {
    # Newline-delimited (or merely concatenated) JSON values.
    "ImageBuild": StreamKind.JSON_LINES,
    "ImageCreate": StreamKind.JSON_LINES,
    "ImagePush": StreamKind.JSON_LINES,
    "ImageLoad": StreamKind.JSON_LINES,
    "PluginPull": StreamKind.JSON_LINES,
    "PluginUpgrade": StreamKind.JSON_LINES,
    "PluginPush": StreamKind.JSON_LINES,
    "SystemEvents": StreamKind.JSON_LINES,
    "ContainerStats": StreamKind.JSON_LINES,
    # Container output: multiplexed frames, or raw bytes for a TTY.
    "ContainerLogs": StreamKind.OUTPUT,
    "ServiceLogs": StreamKind.OUTPUT,
    "TaskLogs": StreamKind.OUTPUT,
    # Connections the daemon upgrades to a raw bidirectional stream. Exec
    # start takes over the connection even without an Upgrade header, so it
    # always goes through the hijack path, which also carries stdin.
    "ExecStart": StreamKind.HIJACKED,
    "ContainerAttach": StreamKind.HIJACKED,
    "Session": StreamKind.HIJACKED,
    # Tar archives sent or received without holding them in memory.
    "PutContainerArchive": StreamKind.TAR_IN,
    "ContainerPutArchive": StreamKind.TAR_IN,
    "PluginCreate": StreamKind.TAR_IN,
    "ContainerExport": StreamKind.TAR_OUT,
    "ContainerArchive": StreamKind.TAR_OUT,
    "ContainerGetArchive": StreamKind.TAR_OUT,
    "ImageGet": StreamKind.TAR_OUT,
    "ImageGetAll": StreamKind.TAR_OUT,
}

# Source of the TTY setting that frames an operation's output, fetched when
# the caller passes no ``tty``: a path and the dotted path of the setting in
# the document it returns. "body" instead reads the Tty field of the request
# body, because the daemon frames exec start output by the start body's Tty,
# not by the exec's own setting. Service and task logs are raw when the
# service or task has a TTY, as for containers.
TTY_SOURCES: dict[str, tuple[str, str] | str] = {
    "ContainerLogs": ("/containers/{id}/json", "Config.Tty"),
    "ContainerAttach": ("/containers/{id}/json", "Config.Tty"),
    "ServiceLogs": ("/services/{id}", "Spec.TaskTemplate.ContainerSpec.TTY"),
    "TaskLogs": ("/tasks/{id}", "Spec.ContainerSpec.TTY"),
    "ExecStart": "body",
}

# Plain requests whose response may take longer than any fixed read timeout,
# so the generated call waits without one (``timeout=math.inf``) instead of
# the client's timeout (60 s unless configured). Wait responds when the
# container exits. Stop and restart respond after up to ``t`` seconds, or
# the container's StopTimeout, plus the kill. Commit copies the container's
# changes into a layer, and a prune deletes every unused object in one
# request. Kill is left out because it has no stop timeout to wait for.
# Streams already default to no read timeout.
BLOCKING_OPERATIONS = frozenset(
    {
        "ContainerWait",
        "ContainerStop",
        "ContainerRestart",
        "ImageCommit",
        "ContainerPrune",
        "ImagePrune",
        "NetworkPrune",
        "VolumePrune",
        "BuildPrune",
    }
)

# Upgrade protocols of hijacking operations that do not speak Docker's
# "tcp" stream. The daemon rejects a session upgrade to any protocol but h2c.
UPGRADE_PROTOCOLS: dict[str, str] = {"Session": "h2c"}

# HEAD operations that return the X-Docker-Container-Path-Stat header only.
PATH_STAT_OPERATIONS = frozenset({"ContainerArchiveInfo", "ContainerArchiveHead"})

# Types of the items of each JSON stream, by definition name. An item type
# missing from a version's definitions falls back to a plain mapping.
STREAM_ITEM_MODELS: dict[str, str] = {
    "ImageBuild": "BuildInfo",
    "ImageCreate": "CreateImageInfo",
    "ImagePush": "PushImageInfo",
    "ImageLoad": "BuildInfo",
    "SystemEvents": "EventMessage",
    "ContainerStats": "ContainerStatsResponse",
}

# Method names where stripping the tag from the operationId reads badly.
METHOD_NAMES: dict[str, str] = {
    "ContainerExec": "create",
    "ContainerArchive": "get_archive",
    "ContainerArchiveHead": "archive_info",
    "ContainerGetArchive": "get_archive",
    "PutContainerArchive": "put_archive",
    "ContainerPutArchive": "put_archive",
    "GetPluginPrivileges": "privileges",
    "BuildPrune": "build_prune",
    "Session": "start",
}

# Tag name to client attribute, API class and module.
TAG_ATTRIBUTES: dict[str, str] = {
    "Container": "containers",
    "Image": "images",
    "Network": "networks",
    "Volume": "volumes",
    "Exec": "exec",
    "System": "system",
    "Swarm": "swarm",
    "Node": "nodes",
    "Service": "services",
    "Task": "tasks",
    "Secret": "secrets",
    "Config": "configs",
    "Plugin": "plugins",
    "Distribution": "distribution",
    "Session": "session",
}

# Query parameters that carry a JSON document (besides ``format: json``).
JSON_QUERY_PARAMETERS: frozenset[tuple[str, str]] = frozenset(
    {
        ("ImageBuild", "buildargs"),
        ("ImageBuild", "labels"),
        ("ImageBuild", "cachefrom"),
    }
)

# Headers that carry base64url-encoded JSON credentials or configuration.
REGISTRY_AUTH_HEADERS = frozenset({"x-registry-auth", "x-registry-config"})
