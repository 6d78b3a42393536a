//! Test support: start real `etcd` members on loopback ports for tests and
//! benchmarks, and kill, restart, pause or resume them on demand; a
//! scaled-out deployment of servers on them ([`ServeCluster`]) and a
//! linearizability check of what its clients saw ([`linearizable`]); a redb
//! backend that fails on demand ([`FaultyBackend`]); corpus mutation for
//! fuzz bodies; WebAssembly fixtures for the `wasm` runtime ([`wasm`]);
//! the repository's hygiene checks ([`tidy`]); [`eventually`], the one
//! polling loop of the tests.
//!
//! The `etcd` binary is taken from `$ETCD_BIN` or `PATH` (Debian:
//! `apt-get install etcd-server`).

mod etcd;
mod faults;
pub mod linearizable;
mod poll;
mod serve_cluster;
pub mod tidy;
pub mod wasm;
pub use etcd::EtcdCluster;
pub use faults::{FaultSwitch, FaultyBackend};
pub use poll::eventually;
pub use serve_cluster::{LeaderProbe, ServeCluster, ServeProcess};

/// Sends signal `name` (`STOP`, `CONT`, `KILL`, …) to process `pid` with
/// kill(1); panics if that fails.
pub fn signal(pid: u32, name: &str) {
    let status = std::process::Command::new("kill")
        .arg(format!("-{name}"))
        .arg(pid.to_string())
        .status()
        .expect("kill(1) runs (procps)");
    assert!(status.success(), "kill -{name} {pid} failed");
}

/// Calls `run` with `input`, every prefix of it, and every single-byte
/// mutation (flipping the low bit, the high bit, or all bits): the
/// corpus-driven part of running a fuzz target's body as a test.
pub fn each_mutation(input: &[u8], mut run: impl FnMut(&[u8])) {
    run(input);
    for cut in 0..input.len() {
        run(&input[..cut]);
    }
    let mut mutated = input.to_vec();
    for i in 0..input.len() {
        for bits in [0x01u8, 0x80, 0xff] {
            mutated[i] ^= bits;
            run(&mutated);
            mutated[i] ^= bits;
        }
    }
}
