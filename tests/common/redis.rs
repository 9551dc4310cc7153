//! Redis servers of the tests' own: `redis-server` from the machine's packages (`.ci/run`
//! installs it), started on a free port in a temporary directory, never a system Redis.

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// One `redis-server`, stopped when dropped, and in any case when the test process ends (a
/// watchdog shell waits for the process, so that a panicking test leaves no server behind).
pub struct RedisServer {
    pub port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
    watchdogs: Vec<Child>,
    /// Arguments after the defaults (a later one wins).
    extra: Vec<String>,
}

impl RedisServer {
    /// A new server on a free port. It writes every change to its append-only file before
    /// acknowledging it, so a server killed and started again has lost nothing acknowledged.
    pub fn start() -> RedisServer {
        RedisServer::start_with(|_, _| Vec::new())
    }

    /// A new server with more arguments, made from its directory (where certificates go) and
    /// its port.
    pub fn start_with(extra: impl FnOnce(&std::path::Path, u16) -> Vec<String>) -> RedisServer {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut server = RedisServer {
            port,
            dir: tempfile::tempdir().expect("a temporary directory"),
            child: None,
            watchdogs: Vec::new(),
            extra: Vec::new(),
        };
        server.extra = extra(server.dir.path(), port);
        server.restart();
        server
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// Starts the server (again, after [`Self::kill`]) and waits until it accepts connections.
    pub fn restart(&mut self) {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args([
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
            ])
            .arg("--dir")
            .arg(self.dir.path())
            .args(&self.extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "the Redis store's tests need `redis-server` on the PATH (Debian's \
                     redis-server package; .ci/run installs it), but it could not be started: {e}"
                )
            });
        let watchdog = format!(
            "while kill -0 {} 2>/dev/null; do sleep 1; done; kill -9 {} 2>/dev/null",
            std::process::id(),
            child.id()
        );
        let watchdog = Command::new("sh")
            .args(["-c", &watchdog])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("sh runs the watchdog");
        self.watchdogs.push(watchdog);
        self.child = Some(child);
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "redis-server did not accept connections on port {} within 10 s",
                self.port
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills the server at once, as a crash would.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn dir(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
        for mut watchdog in self.watchdogs.drain(..) {
            let _ = watchdog.kill();
            let _ = watchdog.wait();
        }
    }
}

/// The server the tests of one test binary share; each store on it gets its own key prefix
/// ([`fresh_prefix`]), so tests never see each other's data.
pub fn shared() -> &'static RedisServer {
    static SHARED: OnceLock<RedisServer> = OnceLock::new();
    SHARED.get_or_init(RedisServer::start)
}

/// A key prefix no other store of this test process uses.
pub fn fresh_prefix() -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!("test{}:", NEXT.fetch_add(1, Ordering::Relaxed))
}
