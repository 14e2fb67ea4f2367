//! Host paths: which mounts hand a container the machine it runs on.

/// Host paths whose mount exposes the host itself.
const SENSITIVE_HOST_PATHS: &[&str] = &[
    "/",
    "/etc",
    "/root",
    "/home",
    "/proc",
    "/sys",
    "/dev",
    "/boot",
    "/var/run",
    "/run",
    "/var/lib/docker",
    "/var/lib/kubelet",
    "/var/lib/containerd",
    "/var/lib/etcd",
    "/usr",
    "/lib",
    "/bin",
    "/sbin",
    "/var/log",
];

/// Sockets (and the Windows named pipe) that hand out control of the container runtime.
const RUNTIME_SOCKETS: &[&str] = &[
    "docker_engine",
    "docker.sock",
    "containerd.sock",
    "crio.sock",
    "podman.sock",
    "dockershim.sock",
];

/// Whether a path is a container runtime's socket (or the Docker engine's Windows pipe).
pub fn is_runtime_socket(path: &str) -> bool {
    RUNTIME_SOCKETS
        .iter()
        .any(|s| path.trim_end_matches('/').ends_with(s))
}

/// Whether mounting a host path gives the container a hold over the host. Whole system
/// folders count; a few files mounted everywhere for good reasons (the time zone, CA
/// certificates, DNS settings) do not.
pub fn is_sensitive_host_path(path: &str) -> bool {
    const BENIGN: &[&str] = &[
        "/etc/localtime",
        "/etc/timezone",
        "/etc/ssl/certs",
        "/etc/ca-certificates",
        "/etc/pki/ca-trust",
        "/etc/hostname",
        "/etc/resolv.conf",
        "/etc/machine-id",
        "/etc/os-release",
    ];
    const SUBTREES: &[&str] = &[
        "/proc/",
        "/sys/",
        "/var/lib/docker/",
        "/var/lib/kubelet/",
        "/root/",
        "/boot/",
    ];
    // Below /etc, only the host's own credentials and control files: an application's
    // configuration folder (`/etc/pihole`) is its own business.
    const HOST_ETC: &[&str] = &[
        "/etc/shadow",
        "/etc/passwd",
        "/etc/group",
        "/etc/gshadow",
        "/etc/sudoers",
        "/etc/sudoers.d",
        "/etc/ssh",
        "/etc/kubernetes",
        "/etc/docker",
        "/etc/containerd",
        "/etc/systemd",
        "/etc/cron.d",
        "/etc/crontab",
        "/etc/pam.d",
        "/etc/security",
        "/etc/ld.so.preload",
        "/etc/profile.d",
        "/etc/ssl/private",
        // Below /run, the sockets and state of the host's own daemons (a user's PulseAudio
        // socket is not one).
        "/run/systemd",
        "/run/dbus",
        "/var/run/dbus",
        "/run/containerd",
        "/var/run/containerd",
        "/run/docker",
        "/var/run/docker",
        "/run/crio",
        "/run/k3s",
        "/run/secrets/kubernetes.io",
    ];
    if SENSITIVE_HOST_PATHS.contains(&path)
        || HOST_ETC
            .iter()
            .any(|p| path == *p || path.starts_with(&format!("{p}/")))
    {
        return true;
    }
    if BENIGN
        .iter()
        .any(|b| path == *b || path.starts_with(&format!("{b}/")))
    {
        return false;
    }
    SUBTREES.iter().any(|prefix| path.starts_with(prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_system_paths_are_sensitive_and_application_folders_are_not() {
        for path in [
            "/",
            "/etc",
            "/etc/ssh",
            "/run/containerd",
            "/proc/1",
            "/var/lib/kubelet/pods",
        ] {
            assert!(is_sensitive_host_path(path), "{path}");
        }
        for path in [
            "/etc/pihole",
            "/etc/localtime",
            "/run/user/1000/pulse",
            "/srv/data",
        ] {
            assert!(!is_sensitive_host_path(path), "{path}");
        }
        assert!(is_runtime_socket("/var/run/docker.sock"));
        assert!(is_runtime_socket(r"\\.\pipe\docker_engine"));
    }
}
