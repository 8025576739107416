#!/usr/bin/env bash
# Install, start and stop three real Docker engines for tests, CI and
# benchmarks. The engines are Debian's docker.io packages:
#
#   name   env key    package source                      API   min API
#   20.10  ENGINE_20  bookworm, installed with apt-get    1.41  1.12
#   26.1   ENGINE_26  trixie, apt-get download + dpkg -x  1.45  1.24
#   28.5   ENGINE_28  sid (forky as fallback), likewise   1.51  1.24
#
# Usage: scripts/engines.sh install|start|stop|status|check|clean
#
#   install  Install bookworm's docker.io (with its containerd, runc and
#            tini), iproute2, util-linux, curl and python3 with apt-get,
#            download and unpack trixie's and sid's docker.io and
#            containerd, and build the busybox test image tar. Every step
#            is skipped when its result exists, so a second run takes
#            well under a second.
#   start    Run install if needed, start the engines that are not running,
#            wait until each returns OK from /_ping, import the test image
#            dockerengine-test:busybox where it is missing, then write and
#            print $ENGINES_DIR/engines.env.
#   stop     Stop the engines by pidfile (SIGTERM, then SIGKILL after
#            ENGINES_STOP_TIMEOUT), and remove their runtime state. Data
#            roots (images, volumes) stay for the next start.
#   status   Print pid, socket and version of each engine. Exit status 0
#            when all three run, 3 otherwise.
#   check    Run a container, create an internal network and init and leave
#            a swarm on every engine listed in engines.env.
#   clean    stop, then delete the data roots and engines.env. Downloads
#            and unpacked packages stay.
#
# Measured on the 2-core development machine from a machine without
# docker.io: install 28 s, start 2.3 s, stop 1.1 s (about 11 s when a
# container ignores SIGTERM, because dockerd waits 10 s before SIGKILL).
#
# Environment:
#   ENGINES_DIR            state folder (default: <repo>/.cache/engines)
#   ENGINES_RUN_DIR        runtime folder for exec roots (default:
#                          /run/dockerengine-test/<hash of ENGINES_DIR>)
#   ENGINES_START_TIMEOUT  seconds to wait for each /_ping (default 90)
#   ENGINES_STOP_TIMEOUT   seconds to wait for each dockerd to exit
#                          (default 30)
#   ENGINES_DEBIAN_MIRROR  Debian mirror for trixie and sid (default: the
#                          one apt already uses for bookworm)
#   DOCKER_HOST            when set, `start` starts nothing. It checks that
#                          engine and writes engines.env with all three
#                          names pointing at DOCKER_HOST, so the tests run
#                          against that one engine only. ENGINES_DIR still
#                          sets where engines.env goes.
#
# engines.env contains ENGINES_MODE (local or docker-host) and, for each
# engine key, ENGINE_<key>_NAME, _SOCK, _VERSION (the Docker release),
# _API and _MIN_API (ApiVersion and MinAPIVersion from GET /version). In
# docker-host mode the last three are those of DOCKER_HOST, or "unknown"
# when curl cannot reach it.
#
# How each engine runs (checked on Debian bookworm, kernel 6.18, cgroup v1):
# - dockerd runs as root with --storage-driver vfs, --iptables=false,
#   --ip6tables=false, --bridge=none, and its own --host socket,
#   --data-root ($ENGINES_DIR/<name>/data), --exec-root
#   ($ENGINES_RUN_DIR/<name>) and --pidfile ($ENGINES_DIR/<name>/dockerd.pid).
#   Its log is $ENGINES_DIR/<name>/dockerd.log.
# - No --containerd is passed, so each dockerd starts its own managed
#   containerd, with its socket and state under that engine's exec root and
#   its data under the data root. The containerd binary comes from PATH:
#   bookworm's 1.6 for 20.10, trixie's 1.7 for 26.1 and sid's 2.1 for 28.5.
#   All three use bookworm's runc, because sid's runc needs a newer glibc.
# - Each dockerd runs in its own network namespace (unshare --net) that
#   contains only loopback. Bridges, swarm ports and the swarm ingress
#   network therefore do not collide between engines, so each engine can
#   init a swarm with ListenAddr 127.0.0.1:2377 and AdvertiseAddr 127.0.0.1
#   at the same time. No traffic from an engine or its containers can leave
#   the machine, and nothing is created in the host's network namespace.
#   The namespace disappears when dockerd exits.
# - No registry is reachable, so HTTP(S)_PROXY points at a closed port on
#   the namespace's loopback, and DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1
#   stops swarm tasks from pulling an image that exists locally. Tests that
#   create services should also skip the registry lookup of the image
#   (`docker service create --no-resolve-image`, no /distribution calls).
# - The dockerd of 28.5 gets DOCKER_MIN_API_VERSION=1.24 in its environment.
#   Debian's 28.5.2 already has 1.24 as its default minimum, so the variable
#   only matters if a later package raises that default. 26.1's minimum is
#   1.24 and 20.10's is 1.12.
# - Sockets are $ENGINES_DIR/<name>/docker.sock unless that path is longer
#   than 100 bytes (unix socket paths are limited to 108), then
#   $ENGINES_RUN_DIR/<name>/docker.sock. Exec roots are always under
#   ENGINES_RUN_DIR because containerd puts its sockets there.
# - dockerd 20.10 creates /etc/docker/key.json, which all three share.
# - The network namespace does not remount /sys, so dockerd logs harmless
#   errors about bridge files in /sys/class/net and missing IPVS sysctls.

set -euo pipefail

readonly REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ENGINES_DIR="$(realpath -m "${ENGINES_DIR:-$REPO_DIR/.cache/engines}")"
readonly ENGINES_DIR
ENGINES_RUN_DIR="${ENGINES_RUN_DIR:-/run/dockerengine-test/$(printf '%s' "$ENGINES_DIR" | sha256sum | cut -c1-8)}"
readonly ENGINES_RUN_DIR
readonly START_TIMEOUT="${ENGINES_START_TIMEOUT:-90}"
readonly STOP_TIMEOUT="${ENGINES_STOP_TIMEOUT:-30}"
readonly ENV_FILE="$ENGINES_DIR/engines.env"

readonly IMAGE_REPO=dockerengine-test
readonly IMAGE_TAG=busybox
readonly IMAGE_TAR="$ENGINES_DIR/image/busybox.tar"
# Maximum socket path length used here, below the 108-byte sun_path limit.
readonly MAX_SOCKET_PATH=100
readonly HOST_CODENAME=bookworm
readonly SYSTEM_PACKAGES=(docker.io containerd runc tini iproute2 util-linux curl python3)

readonly ENGINE_NAMES=(20.10 26.1 28.5)
declare -rA ENGINE_KEY=([20.10]=20 [26.1]=26 [28.5]=28)
# Suites tried in order for the unpacked engines. The first one whose
# docker.io version starts with the engine name is used.
declare -rA ENGINE_SUITES=([26.1]="trixie" [28.5]="sid forky")
declare -rA ENGINE_API=([20.10]=1.41 [26.1]=1.45 [28.5]=1.51)
declare -rA ENGINE_EXTRA_ENV=([20.10]="" [26.1]="" [28.5]="DOCKER_MIN_API_VERSION=1.24")

log() { printf 'engines.sh: %s\n' "$*" >&2; }
die() {
    log "error: $*"
    exit 1
}

require_root() {
    if [[ $EUID -ne 0 ]]; then
        die "must run as root (dockerd, apt-get and unshare need it)"
    fi
}

# ---------------------------------------------------------------- paths

engine_dir() { printf '%s/%s' "$ENGINES_DIR" "$1"; }
engine_root() { printf '%s/root/%s' "$ENGINES_DIR" "$1"; }
engine_exec_root() { printf '%s/%s' "$ENGINES_RUN_DIR" "$1"; }
engine_pidfile() { printf '%s/dockerd.pid' "$(engine_dir "$1")"; }
engine_log() { printf '%s/dockerd.log' "$(engine_dir "$1")"; }

engine_socket() {
    local socket
    socket="$(engine_dir "$1")/docker.sock"
    if ((${#socket} > MAX_SOCKET_PATH)); then
        socket="$(engine_exec_root "$1").sock"
    fi
    printf '%s' "$socket"
}

engine_dockerd() {
    if [[ $1 == 20.10 ]]; then
        printf '/usr/sbin/dockerd'
    else
        printf '%s/usr/sbin/dockerd' "$(engine_root "$1")"
    fi
}

engine_path() {
    local system_path=/usr/sbin:/usr/bin:/sbin:/bin
    if [[ $1 == 20.10 ]]; then
        printf '%s' "$system_path"
    else
        local root
        root="$(engine_root "$1")"
        printf '%s/usr/bin:%s/usr/sbin:%s' "$root" "$root" "$system_path"
    fi
}

# ---------------------------------------------------------------- install

APT_UPDATED=0
apt_update_once() {
    if ((APT_UPDATED == 0)); then
        log "apt-get update"
        apt-get update -qq || die "apt-get update failed"
        APT_UPDATED=1
    fi
}

install_system_packages() {
    local missing=() package
    for package in "${SYSTEM_PACKAGES[@]}"; do
        if ! dpkg-query -W -f '${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
            missing+=("$package")
        fi
    done
    if ((${#missing[@]} > 0)); then
        apt_update_once
        log "apt-get install ${missing[*]}"
        # policy-rc.d exit status 101 stops the packages' init scripts from
        # starting a system-wide dockerd and containerd.
        local policy=/usr/sbin/policy-rc.d created_policy=0
        if [[ ! -e $policy ]]; then
            printf '#!/bin/sh\nexit 101\n' >"$policy"
            chmod 755 "$policy"
            created_policy=1
        fi
        local status=0
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            "${missing[@]}" >"$ENGINES_DIR/apt-install.log" 2>&1 || status=$?
        if ((created_policy)); then
            rm -f "$policy"
        fi
        if ((status != 0)); then
            tail -n 30 "$ENGINES_DIR/apt-install.log" >&2
            die "apt-get install ${missing[*]} failed (exit status $status); full output in $ENGINES_DIR/apt-install.log"
        fi
    fi

    local version
    version="$(/usr/sbin/dockerd --version)" || die "/usr/sbin/dockerd --version failed"
    if [[ $version != *" 20.10."* ]]; then
        die "/usr/sbin/dockerd is '$version', expected 20.10 from Debian $HOST_CODENAME's docker.io"
    fi
}

# Print the URI of the Debian mirror that apt uses for bookworm/main.
debian_mirror() {
    if [[ -n ${ENGINES_DEBIAN_MIRROR:-} ]]; then
        printf '%s' "$ENGINES_DEBIAN_MIRROR"
        return
    fi
    local mirror
    mirror="$(apt-cache policy | awk -v suite="$HOST_CODENAME/main" '$3 == suite && $2 ~ /^https?:\/\// { print $2; exit }')"
    if [[ -z $mirror ]]; then
        die "no apt source for $HOST_CODENAME/main found in apt-cache policy; set ENGINES_DEBIAN_MIRROR"
    fi
    printf '%s' "$mirror"
}

# Options that make apt-get and apt-cache use the private source list of
# $ENGINES_DIR/apt instead of the system's.
private_apt_options() {
    local apt_dir="$ENGINES_DIR/apt"
    printf '%s\n' \
        -o "Dir::Etc::SourceList=$apt_dir/sources.list" \
        -o Dir::Etc::SourceParts=/dev/null \
        -o "Dir::State::Lists=$apt_dir/lists" \
        -o "Dir::Cache=$apt_dir/cache" \
        -o Acquire::Languages=none \
        -o "APT::Architectures=$(dpkg --print-architecture)" \
        -o APT::Sandbox::User=root
}

PRIVATE_APT_UPDATED=0
private_apt_update_once() {
    if ((PRIVATE_APT_UPDATED)); then
        return
    fi
    local apt_dir="$ENGINES_DIR/apt" mirror suites suite
    mirror="$(debian_mirror)"
    suites="$(printf '%s\n' "${ENGINE_SUITES[@]}" | tr ' ' '\n' | sort -u)"
    mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
    : >"$apt_dir/sources.list"
    for suite in $suites; do
        printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s main\n' \
            "$mirror" "$suite" >>"$apt_dir/sources.list"
    done
    log "apt-get update for $(echo $suites) from $mirror"
    local options
    mapfile -t options < <(private_apt_options)
    apt-get "${options[@]}" update -qq || die "apt-get update of the private source list $apt_dir/sources.list failed"
    PRIVATE_APT_UPDATED=1
}

# Print the version of package $1 in suite $2 of the private source list.
suite_version() {
    local options
    mapfile -t options < <(private_apt_options)
    apt-cache "${options[@]}" madison "$1" |
        awk -F' [|] ' -v suite="$2/main" '$3 ~ (" " suite " ") { print $2; exit }' |
        tr -d ' '
}

install_unpacked_engine() {
    local name="$1" root stamp
    root="$(engine_root "$name")"
    stamp="$root/.installed"
    if [[ -f $stamp ]]; then
        return
    fi
    private_apt_update_once

    local suite chosen="" version="" available=()
    for suite in ${ENGINE_SUITES[$name]}; do
        version="$(suite_version docker.io "$suite")"
        available+=("$suite:${version:-none}")
        if [[ $version == "$name".* ]]; then
            chosen="$suite"
            break
        fi
    done
    if [[ -z $chosen ]]; then
        die "no suite has docker.io $name.* (found ${available[*]}); update ENGINE_SUITES in $0"
    fi

    local debs_dir="$ENGINES_DIR/debs/$chosen" options
    mapfile -t options < <(private_apt_options)
    mkdir -p "$debs_dir"
    log "download docker.io $version and containerd from $chosen"
    (cd "$debs_dir" && apt-get "${options[@]}" download -qq "docker.io/$chosen" "containerd/$chosen") ||
        die "apt-get download of docker.io and containerd from $chosen failed"

    local containerd_version unpack="$root.unpack"
    containerd_version="$(suite_version containerd "$chosen")"
    rm -rf "$unpack"
    mkdir -p "$unpack"
    dpkg -x "$debs_dir/docker.io_${version//:/%3a}_"*.deb "$unpack"
    dpkg -x "$debs_dir/containerd_${containerd_version//:/%3a}_"*.deb "$unpack"
    "$unpack/usr/sbin/dockerd" --version >/dev/null || die "the unpacked $unpack/usr/sbin/dockerd does not run"
    printf 'suite=%s\ndocker.io=%s\ncontainerd=%s\n' "$chosen" "$version" "$containerd_version" >"$unpack/.installed"
    rm -rf "$root"
    mv "$unpack" "$root"
    log "unpacked docker.io $version and containerd $containerd_version from $chosen into $root"
}

build_test_image() {
    if [[ -f $IMAGE_TAR ]]; then
        return
    fi
    local debs_dir="$ENGINES_DIR/debs/$HOST_CODENAME" unpack="$ENGINES_DIR/busybox"
    mkdir -p "$debs_dir" "$(dirname "$IMAGE_TAR")"
    if ! compgen -G "$debs_dir/busybox-static_*.deb" >/dev/null; then
        apt_update_once
        log "download busybox-static from $HOST_CODENAME"
        (cd "$debs_dir" && apt-get -o APT::Sandbox::User=root download -qq busybox-static) ||
            die "apt-get download busybox-static failed"
    fi
    rm -rf "$unpack"
    dpkg -x "$(compgen -G "$debs_dir/busybox-static_*.deb" | head -n 1)" "$unpack"
    python3 "$REPO_DIR/scripts/make_test_image.py" --busybox "$unpack/bin/busybox" --output "$IMAGE_TAR" ||
        die "building $IMAGE_TAR failed"
}

is_installed() {
    [[ -x /usr/sbin/dockerd && -f $IMAGE_TAR ]] || return 1
    local name
    for name in "${!ENGINE_SUITES[@]}"; do
        [[ -f "$(engine_root "$name")/.installed" ]] || return 1
    done
    command -v unshare >/dev/null && command -v ip >/dev/null && command -v curl >/dev/null
}

cmd_install() {
    require_root
    mkdir -p "$ENGINES_DIR"
    local started=$SECONDS name
    install_system_packages
    for name in "${ENGINE_NAMES[@]}"; do
        if [[ -n ${ENGINE_SUITES[$name]:-} ]]; then
            install_unpacked_engine "$name"
        fi
    done
    build_test_image
    log "install done in $((SECONDS - started)) s (state in $ENGINES_DIR)"
}

# ---------------------------------------------------------------- processes

# Succeed when $1 is a live process (zombies count as exited).
pid_alive() {
    local state
    [[ $1 =~ ^[0-9]+$ ]] || return 1
    state="$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" || return 1
    [[ -n $state && $state != Z && $state != X ]]
}

# Print the pid from the pidfile of engine $1 when that process is a live
# dockerd that uses this engine's socket.
engine_pid() {
    local pidfile pid
    pidfile="$(engine_pidfile "$1")"
    [[ -f $pidfile ]] || return 1
    pid="$(cat "$pidfile")"
    pid_alive "$pid" || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "--host unix://$(engine_socket "$1") " || return 1
    printf '%s' "$pid"
}

# Print the pids of live dockerd, containerd, containerd shim and
# docker-proxy processes whose command line contains $1.
pids_mentioning() {
    local cmdline_file pid comm
    grep -lasF -- "$1" /proc/[0-9]*/cmdline 2>/dev/null |
        while read -r cmdline_file; do
            pid="${cmdline_file#/proc/}"
            pid="${pid%/cmdline}"
            comm="$(cat "/proc/$pid/comm" 2>/dev/null)" || continue
            case "$comm" in
            dockerd | containerd | containerd-shim* | docker-proxy)
                pid_alive "$pid" && printf '%s\n' "$pid"
                ;;
            esac
        done
    return 0
}

# Kill the processes of the containers in the data root of engine $1, found
# through the pids cgroup that runc gives each container.
kill_container_processes() {
    local container_dir id procs pid
    for container_dir in "$(engine_dir "$1")"/data/containers/*/; do
        [[ -d $container_dir ]] || continue
        id="$(basename "$container_dir")"
        for procs in /sys/fs/cgroup/pids/docker/"$id"/cgroup.procs /sys/fs/cgroup/docker/"$id"/cgroup.procs; do
            [[ -f $procs ]] || continue
            while read -r pid; do
                kill -KILL "$pid" 2>/dev/null || true
            done <"$procs"
        done
    done
}

# Unmount everything below $1, deepest first.
unmount_below() {
    local mount_point
    awk -v prefix="$1/" 'index($2, prefix) == 1 { print $2 }' /proc/mounts | sort -r |
        while read -r mount_point; do
            umount -l "$mount_point" 2>/dev/null || log "warning: umount $mount_point failed"
        done
}

# Remove what a dockerd of engine $1 leaves behind after it exited or was
# killed: processes that still use its exec root, mounts, the exec root,
# the socket and the pidfile.
cleanup_engine() {
    local name="$1" exec_root pids pid
    exec_root="$(engine_exec_root "$name")"
    pids="$(pids_mentioning "$exec_root")"
    if [[ -n $pids ]]; then
        log "$name: killing leftover processes $(echo $pids)"
        kill_container_processes "$name"
        for pid in $pids; do
            kill -KILL "$pid" 2>/dev/null || true
        done
    fi
    unmount_below "$exec_root"
    unmount_below "$(engine_dir "$name")/data"
    rm -rf "$exec_root"
    rm -f "$(engine_socket "$name")" "$(engine_pidfile "$name")"
}

# ---------------------------------------------------------------- API calls

# curl arguments that reach the engine at a DOCKER_HOST style address $1,
# followed by the base URL.
curl_target() {
    case "$1" in
    unix://*) printf '%s\n' --unix-socket "${1#unix://}" http://localhost ;;
    tcp://*) printf '%s\n' "http://${1#tcp://}" ;;
    *) return 1 ;;
    esac
}

# api ADDRESS METHOD PATH [curl options...]: print the response body and fail
# unless the status is 2xx.
api() {
    local address="$1" method="$2" path="$3" target
    shift 3
    mapfile -t target < <(curl_target "$address")
    if ((${#target[@]} == 0)); then
        log "cannot reach $address with curl (only unix:// and tcp:// without TLS)"
        return 1
    fi
    local base="${target[-1]}"
    unset 'target[-1]'
    curl --silent --show-error --fail --max-time 60 "${target[@]}" -X "$method" "$@" "$base$path"
}

json_field() {
    python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"
}

image_exists() {
    api "$1" GET "/images/$IMAGE_REPO:$IMAGE_TAG/json" >/dev/null 2>&1
}

import_test_image() {
    local address="$1" label="$2" response
    if image_exists "$address"; then
        return
    fi
    [[ -f $IMAGE_TAR ]] || build_test_image
    # changes=CMD ["/bin/sh"], URL-encoded.
    response="$(api "$address" POST \
        "/images/create?fromSrc=-&repo=$IMAGE_REPO&tag=$IMAGE_TAG&changes=CMD%20%5B%22%2Fbin%2Fsh%22%5D" \
        -H 'Content-Type: application/x-tar' --data-binary "@$IMAGE_TAR")" ||
        die "$label: importing $IMAGE_TAR as $IMAGE_REPO:$IMAGE_TAG failed"
    if [[ $response == *'"error'* ]] || ! image_exists "$address"; then
        die "$label: importing $IMAGE_TAR as $IMAGE_REPO:$IMAGE_TAG failed: $response"
    fi
    log "$label: imported $IMAGE_REPO:$IMAGE_TAG"
}

# ---------------------------------------------------------------- start

launch_engine() {
    local name="$1" dir exec_root socket log_file pidfile
    dir="$(engine_dir "$name")"
    exec_root="$(engine_exec_root "$name")"
    socket="$(engine_socket "$name")"
    log_file="$(engine_log "$name")"
    pidfile="$(engine_pidfile "$name")"

    cleanup_engine "$name"
    mkdir -p "$dir/data" "$exec_root" "$(dirname "$socket")" ||
        die "$name: cannot create $dir/data, $exec_root or the folder of $socket"
    # An empty config file keeps /etc/docker/daemon.json, if any, out.
    printf '{}\n' >"$dir/daemon.json"
    if [[ -f $log_file ]]; then
        mv -f "$log_file" "$log_file.1"
    fi

    local environment=(
        "PATH=$(engine_path "$name")"
        HTTP_PROXY=http://127.0.0.1:9
        HTTPS_PROXY=http://127.0.0.1:9
        http_proxy=http://127.0.0.1:9
        https_proxy=http://127.0.0.1:9
        DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1
    )
    if [[ -n ${ENGINE_EXTRA_ENV[$name]} ]]; then
        environment+=(${ENGINE_EXTRA_ENV[$name]})
    fi

    log "$name: starting $(engine_dockerd "$name") on unix://$socket"
    # setsid detaches dockerd from this shell's session. unshare --net gives
    # it a network namespace in which the shell brings up loopback before it
    # execs dockerd.
    (
        cd /
        exec 9>&- # dockerd must not inherit the lock of lock_engines_dir
        exec env -i "${environment[@]}" setsid unshare --net -- \
            sh -c 'ip link set lo up && exec "$@"' sh \
            "$(engine_dockerd "$name")" \
            --config-file "$dir/daemon.json" \
            --host "unix://$socket" \
            --data-root "$dir/data" \
            --exec-root "$exec_root" \
            --pidfile "$pidfile" \
            --storage-driver vfs \
            --iptables=false \
            --ip6tables=false \
            --bridge=none \
            </dev/null >"$log_file" 2>&1
    ) &
    printf '%s' "$!" >"$dir/launcher.pid"
}

wait_for_engine() {
    local name="$1" socket log_file launcher deadline
    socket="$(engine_socket "$name")"
    log_file="$(engine_log "$name")"
    launcher="$(cat "$(engine_dir "$name")/launcher.pid" 2>/dev/null || true)"
    deadline=$((SECONDS + START_TIMEOUT))
    while ((SECONDS < deadline)); do
        if [[ -S $socket ]] && api "unix://$socket" GET /_ping >/dev/null 2>&1; then
            return 0
        fi
        # The launcher subshell becomes dockerd (setsid and unshare exec), so
        # its exit means dockerd exited.
        if [[ -n $launcher ]] && ! pid_alive "$launcher" && ! engine_pid "$name" >/dev/null; then
            log "$name: dockerd exited during startup; last lines of $log_file:"
            tail -n 40 "$log_file" >&2 || true
            return 1
        fi
        sleep 0.2
    done
    log "$name: timed out after $START_TIMEOUT s waiting for /_ping on unix://$socket; last lines of $log_file:"
    tail -n 40 "$log_file" >&2 || true
    return 1
}

engine_version_field() {
    api "unix://$(engine_socket "$1")" GET /version | json_field "$2"
}

write_env_file() {
    local lines=("$@") temporary="$ENV_FILE.tmp$$"
    printf '%s\n' "${lines[@]}" >"$temporary"
    mv -f "$temporary" "$ENV_FILE"
    cat "$ENV_FILE"
}

start_docker_host_mode() {
    log "DOCKER_HOST is set: starting nothing; all engines in $ENV_FILE point at $DOCKER_HOST"
    local version="unknown" api_version="unknown" min_api_version="unknown" response
    if curl_target "$DOCKER_HOST" >/dev/null; then
        api "$DOCKER_HOST" GET /_ping >/dev/null || die "GET /_ping on DOCKER_HOST=$DOCKER_HOST failed"
        response="$(api "$DOCKER_HOST" GET /version)" || die "GET /version on DOCKER_HOST=$DOCKER_HOST failed"
        version="$(json_field Version <<<"$response")"
        api_version="$(json_field ApiVersion <<<"$response")"
        min_api_version="$(json_field MinAPIVersion <<<"$response")"
        log "DOCKER_HOST runs Docker $version with API $min_api_version to $api_version"
        import_test_image "$DOCKER_HOST" "DOCKER_HOST"
    else
        log "warning: cannot reach DOCKER_HOST=$DOCKER_HOST with curl (only unix:// and tcp:// without TLS); not checked"
    fi
    local lines=("# Written by scripts/engines.sh start: every engine is DOCKER_HOST." "ENGINES_MODE=docker-host") name key
    for name in "${ENGINE_NAMES[@]}"; do
        key="${ENGINE_KEY[$name]}"
        lines+=(
            "ENGINE_${key}_NAME=$name"
            "ENGINE_${key}_SOCK=$DOCKER_HOST"
            "ENGINE_${key}_VERSION=$version"
            "ENGINE_${key}_API=$api_version"
            "ENGINE_${key}_MIN_API=$min_api_version"
        )
    done
    mkdir -p "$ENGINES_DIR"
    write_env_file "${lines[@]}"
}

cmd_start() {
    if [[ -n ${DOCKER_HOST:-} ]]; then
        start_docker_host_mode
        return
    fi
    require_root
    if ! is_installed; then
        log "engines are not installed yet: running install"
        cmd_install
    fi
    local started=$SECONDS name pid launched=()
    for name in "${ENGINE_NAMES[@]}"; do
        if pid="$(engine_pid "$name")"; then
            log "$name: already running (pid $pid)"
        else
            launch_engine "$name"
            launched+=("$name")
        fi
    done

    local failed=()
    for name in "${ENGINE_NAMES[@]}"; do
        wait_for_engine "$name" || failed+=("$name")
    done
    if ((${#failed[@]} > 0)); then
        die "engines ${failed[*]} failed to start; see the log lines above, then run scripts/engines.sh stop"
    fi

    local lines=("# Written by scripts/engines.sh start." "ENGINES_MODE=local") key socket response version api_version min_api_version
    for name in "${ENGINE_NAMES[@]}"; do
        key="${ENGINE_KEY[$name]}"
        socket="$(engine_socket "$name")"
        import_test_image "unix://$socket" "$name"
        response="$(api "unix://$socket" GET /version)" || die "$name: GET /version failed"
        version="$(json_field Version <<<"$response")"
        api_version="$(json_field ApiVersion <<<"$response")"
        min_api_version="$(json_field MinAPIVersion <<<"$response")"
        if [[ $api_version != "${ENGINE_API[$name]}" ]]; then
            log "warning: $name: engine $version has API $api_version, expected ${ENGINE_API[$name]}"
        fi
        lines+=(
            "ENGINE_${key}_NAME=$name"
            "ENGINE_${key}_SOCK=unix://$socket"
            "ENGINE_${key}_VERSION=$version"
            "ENGINE_${key}_API=$api_version"
            "ENGINE_${key}_MIN_API=$min_api_version"
        )
    done
    write_env_file "${lines[@]}"
    log "started ${launched[*]:-nothing new} in $((SECONDS - started)) s"
}

# ---------------------------------------------------------------- stop

cmd_stop() {
    require_root
    local name pid stopping=() deadline
    for name in "${ENGINE_NAMES[@]}"; do
        if pid="$(engine_pid "$name")"; then
            log "$name: stopping dockerd (pid $pid)"
            kill -TERM "$pid"
            stopping+=("$name:$pid")
        fi
    done
    deadline=$((SECONDS + STOP_TIMEOUT))
    local entry
    for entry in "${stopping[@]}"; do
        name="${entry%%:*}"
        pid="${entry#*:}"
        while pid_alive "$pid" && ((SECONDS < deadline)); do
            sleep 0.2
        done
        if pid_alive "$pid"; then
            log "$name: dockerd (pid $pid) still runs after $STOP_TIMEOUT s; sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    done
    for name in "${ENGINE_NAMES[@]}"; do
        cleanup_engine "$name"
        rm -f "$(engine_dir "$name")/launcher.pid"
    done
    rm -f "$ENV_FILE"
    rmdir "$ENGINES_RUN_DIR" 2>/dev/null || true
    log "stopped"
}

cmd_clean() {
    cmd_stop
    local name
    for name in "${ENGINE_NAMES[@]}"; do
        rm -rf "$(engine_dir "$name")/data"
    done
    log "removed the data roots of ${ENGINE_NAMES[*]}"
}

# ---------------------------------------------------------------- status, check

cmd_status() {
    local name pid socket all_running=1 version
    for name in "${ENGINE_NAMES[@]}"; do
        socket="$(engine_socket "$name")"
        if pid="$(engine_pid "$name")"; then
            version="$(engine_version_field "$name" Version 2>/dev/null || echo 'no answer to /version')"
            printf '%-6s running  pid %-8s unix://%s  %s\n' "$name" "$pid" "$socket" "$version"
        else
            printf '%-6s stopped\n' "$name"
            all_running=0
        fi
    done
    if [[ -f $ENV_FILE ]]; then
        printf 'env file: %s\n' "$ENV_FILE"
    fi
    ((all_running)) || return 3
}

# Read engines.env into the associative array ENV_VALUES.
declare -A ENV_VALUES=()
read_env_file() {
    [[ -f $ENV_FILE ]] || die "$ENV_FILE not found: run scripts/engines.sh start first"
    local line
    while IFS= read -r line; do
        [[ $line == \#* || $line != *=* ]] && continue
        ENV_VALUES["${line%%=*}"]="${line#*=}"
    done <"$ENV_FILE"
}

check_engine() {
    local name="$1" address="$2" cli=/usr/bin/docker output
    export DOCKER_HOST="$address"
    output="$("$cli" run --rm --network none "$IMAGE_REPO:$IMAGE_TAG" echo container-ok)" ||
        die "$name: docker run failed"
    [[ $output == container-ok ]] || die "$name: docker run printed '$output', expected container-ok"

    "$cli" network create --internal dockerengine-test-check >/dev/null || die "$name: internal network create failed"
    "$cli" network rm dockerengine-test-check >/dev/null || die "$name: network rm failed"

    local state
    state="$("$cli" info --format '{{.Swarm.LocalNodeState}}')"
    if [[ $state == inactive ]]; then
        "$cli" swarm init --listen-addr 127.0.0.1:2377 --advertise-addr 127.0.0.1 >/dev/null ||
            die "$name: swarm init with advertise address 127.0.0.1 failed"
        "$cli" swarm leave --force >/dev/null || die "$name: swarm leave failed"
        log "$name: container, internal network and swarm init/leave work"
    else
        log "$name: container and internal network work; swarm check skipped (swarm state is $state)"
    fi
}

cmd_check() {
    read_env_file
    [[ -x /usr/bin/docker ]] || die "/usr/bin/docker not found: run scripts/engines.sh install"
    local name key address
    for name in "${ENGINE_NAMES[@]}"; do
        key="${ENGINE_KEY[$name]}"
        address="${ENV_VALUES[ENGINE_${key}_SOCK]:-}"
        [[ -n $address ]] || die "ENGINE_${key}_SOCK missing in $ENV_FILE"
        check_engine "$name" "$address"
    done
}

# Serialize the commands that change engines, so that two callers (for
# example parallel test runs) cannot start or stop the same engine at once.
lock_engines_dir() {
    mkdir -p "$ENGINES_DIR"
    exec 9>"$ENGINES_DIR/.lock"
    flock -w 600 9 || die "timed out after 600 s waiting for the lock $ENGINES_DIR/.lock"
}

main() {
    local command="${1:-}"
    case "$command" in
    install | start | stop | clean) lock_engines_dir ;;
    esac
    case "$command" in
    install) cmd_install ;;
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    check) cmd_check ;;
    clean) cmd_clean ;;
    *)
        printf 'usage: %s install|start|stop|status|check|clean\n' "$0" >&2
        exit 2
        ;;
    esac
}

main "$@"
