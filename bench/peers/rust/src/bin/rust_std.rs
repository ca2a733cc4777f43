// Peer: Rust std::sync::mpsc (std >= 1.67 uses the crossbeam-derived mpmc
// implementation internally: list for channel(), array for sync_channel(n>0),
// zero for sync_channel(0)).
// Copied from the project's benchmark anchors (shared/anchors/rust).
#[path = "../harness.rs"]
mod harness;

use harness::{Flavor, Rx, Tx};
use std::sync::mpsc::{channel, sync_channel, Receiver, Sender, SyncSender};

impl Tx for Sender<u64> {
    #[inline]
    fn send_u64(&self, v: u64) {
        self.send(v).unwrap();
    }
}
impl Tx for SyncSender<u64> {
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
    harness::main("rust_std", |w, flavor, n| {
        Some(match flavor {
            Flavor::Unbounded => harness::run_workload(w, channel::<u64>, n),
            Flavor::Bounded(cap) => harness::run_workload(w, move || sync_channel::<u64>(cap), n),
        })
    });
}
