// Peer: flume (the version Debian packages, default features).
// Copied from the project's benchmark anchors (shared/anchors/rust).
#[path = "../harness.rs"]
mod harness;

use flume::{bounded, unbounded, Receiver, Sender};
use harness::{Flavor, Rx, Tx};

impl Tx for Sender<u64> {
    #[inline]
    fn send_u64(&self, v: u64) {
        self.send(v).unwrap();
    }
}
impl Rx for Receiver<u64> {
    #[inline]
    fn recv_u64(&self) -> u64 {
        self.recv().unwrap()
    }
}

fn main() {
    harness::main("flume", |w, flavor, n| {
        Some(match flavor {
            Flavor::Unbounded => harness::run_workload(w, unbounded::<u64>, n),
            Flavor::Bounded(cap) => harness::run_workload(w, move || bounded::<u64>(cap), n),
        })
    });
}
