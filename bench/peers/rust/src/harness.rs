// Shared workload code for the Rust peers (std::sync::mpsc, crossbeam-channel,
// flume), copied from the project's benchmark anchors (shared/anchors/rust) so that
// bench/ builds from a clone alone; the workloads are the same as
// bench/driver.c runs on libmpsc.  Each binary includes this file with `#[path = "../harness.rs"] mod
// harness;` so that the traits below are local to it and can be implemented
// directly for the peer's own Sender/Receiver types (no wrapper, no dynamic
// dispatch: every workload is monomorphised for the peer's types).
//
// The workloads mirror crossbeam-channel's benchmark suite
// (benchmarks/crossbeam-channel.rs): the timed region includes channel
// creation and thread start-up/join; the consumer is the main thread.
// Every workload checks the sum of what it received, outside the timed region.

#![allow(dead_code)]

use std::thread;
use std::time::Instant;

pub trait Tx: Clone + Send + 'static {
    fn send_u64(&self, v: u64);
}

pub trait Rx: Send + 'static {
    fn recv_u64(&self) -> u64;
}

/// Channel flavour. `Bounded(0)` is the rendezvous channel.
#[derive(Clone, Copy, Debug)]
pub enum Flavor {
    Unbounded,
    Bounded(usize),
}

pub const DEFAULT_N: u64 = 5_000_000;
pub const DEFAULT_ROUNDTRIPS: u64 = 200_000;
pub const PRODUCERS: u64 = 4;

/// The full case list, in the order printed when a binary is run without
/// arguments.  `boundedN` means bounded(N) with N = the message count.
pub const CASES: &[(&str, &str)] = &[
    ("seq", "unbounded"),
    ("seq", "boundedN"),
    ("spsc", "unbounded"),
    ("spsc", "bounded1000"),
    ("spsc", "bounded1"),
    ("spsc", "bounded0"),
    ("mpsc", "unbounded"),
    ("mpsc", "bounded1000"),
    ("mpsc", "bounded1"),
    ("mpsc", "bounded0"),
    ("pingpong", "unbounded"),
    ("pingpong", "bounded1000"),
    ("pingpong", "bounded1"),
    ("pingpong", "bounded0"),
];

pub fn parse_flavor(s: &str, n: u64) -> Option<Flavor> {
    match s {
        "unbounded" => Some(Flavor::Unbounded),
        "boundedN" => Some(Flavor::Bounded(n as usize)),
        _ => s.strip_prefix("bounded")?.parse().ok().map(Flavor::Bounded),
    }
}

fn fail(msg: &str) -> ! {
    eprintln!("error: {}", msg);
    std::process::exit(1);
}

fn sum_0_to(n: u64) -> u64 {
    // sum of 0..n, wrapping like the workloads do
    let (a, b) = if n % 2 == 0 { (n / 2, n.wrapping_sub(1)) } else { (n, (n - 1) / 2) };
    a.wrapping_mul(b)
}

/// One thread sends n messages, then receives n.  Returns ns per message.
pub fn seq<T: Tx, R: Rx>(mk: impl Fn() -> (T, R), n: u64) -> f64 {
    let start = Instant::now();
    let (tx, rx) = mk();
    for i in 0..n {
        tx.send_u64(i);
    }
    let mut sum = 0u64;
    for _ in 0..n {
        sum = sum.wrapping_add(rx.recv_u64());
    }
    let ns = start.elapsed().as_nanos() as f64;
    if sum != sum_0_to(n) {
        fail("seq: checksum mismatch");
    }
    ns / n as f64
}

/// One producer thread, the main thread consumes.  Returns ns per message.
pub fn spsc<T: Tx, R: Rx>(mk: impl Fn() -> (T, R), n: u64) -> f64 {
    let start = Instant::now();
    let (tx, rx) = mk();
    let h = thread::spawn(move || {
        for i in 0..n {
            tx.send_u64(i);
        }
    });
    let mut sum = 0u64;
    for _ in 0..n {
        sum = sum.wrapping_add(rx.recv_u64());
    }
    h.join().unwrap();
    let ns = start.elapsed().as_nanos() as f64;
    if sum != sum_0_to(n) {
        fail("spsc: checksum mismatch");
    }
    ns / n as f64
}

/// PRODUCERS threads send n/PRODUCERS each (their own cloned Sender), the main
/// thread consumes.  Returns ns per message.
pub fn mpsc<T: Tx, R: Rx>(mk: impl Fn() -> (T, R), n: u64) -> f64 {
    let per = n / PRODUCERS;
    let total = per * PRODUCERS;
    let start = Instant::now();
    let (tx, rx) = mk();
    let mut hs = Vec::new();
    for p in 0..PRODUCERS {
        let tx = tx.clone();
        hs.push(thread::spawn(move || {
            for i in p * per..(p + 1) * per {
                tx.send_u64(i);
            }
        }));
    }
    drop(tx);
    let mut sum = 0u64;
    for _ in 0..total {
        sum = sum.wrapping_add(rx.recv_u64());
    }
    for h in hs {
        h.join().unwrap();
    }
    let ns = start.elapsed().as_nanos() as f64;
    if sum != sum_0_to(total) {
        fail("mpsc: checksum mismatch");
    }
    ns / total as f64
}

/// Two threads bounce one message over two channels.  Returns ns per round
/// trip.
pub fn pingpong<T: Tx, R: Rx>(mk: impl Fn() -> (T, R), rounds: u64) -> f64 {
    let start = Instant::now();
    let (tx_ping, rx_ping) = mk();
    let (tx_pong, rx_pong) = mk();
    let h = thread::spawn(move || {
        for _ in 0..rounds {
            let v = rx_ping.recv_u64();
            tx_pong.send_u64(v + 1);
        }
    });
    for i in 0..rounds {
        tx_ping.send_u64(i);
        if rx_pong.recv_u64() != i + 1 {
            fail("pingpong: wrong value");
        }
    }
    h.join().unwrap();
    let ns = start.elapsed().as_nanos() as f64;
    ns / rounds as f64
}

pub fn run_workload<T: Tx, R: Rx>(workload: &str, mk: impl Fn() -> (T, R), n: u64) -> f64 {
    match workload {
        "seq" => seq(mk, n),
        "spsc" => spsc(mk, n),
        "mpsc" => mpsc(mk, n),
        "pingpong" => pingpong(mk, n),
        _ => fail(&format!("unknown workload {}", workload)),
    }
}

/// Command line shared by every peer binary:
///   PROG                       run every case with the default counts
///   PROG WORKLOAD FLAVOR [N]   run one case (N = messages, or round trips
///                              for pingpong)
/// Prints `peer workload flavor ns_per_msg` (or `n/a`).
/// `run` returns None when the peer has no such flavour.
pub fn main(peer: &str, run: impl Fn(&str, Flavor, u64) -> Option<f64>) {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cases: Vec<(String, String, Option<u64>)> = if args.is_empty() {
        CASES.iter().map(|(w, f)| (w.to_string(), f.to_string(), None)).collect()
    } else if args.len() == 2 || args.len() == 3 {
        let n = args.get(2).map(|s| s.parse().unwrap_or_else(|_| fail("bad N")));
        vec![(args[0].clone(), args[1].clone(), n)]
    } else {
        fail("usage: PROG [WORKLOAD FLAVOR [N]]");
    };
    for (w, f, n) in cases {
        let n = n.unwrap_or(if w == "pingpong" { DEFAULT_ROUNDTRIPS } else { DEFAULT_N });
        let flavor = parse_flavor(&f, n).unwrap_or_else(|| fail(&format!("bad flavor {}", f)));
        match run(&w, flavor, n) {
            Some(ns) => println!("{} {} {} {:.2}", peer, w, f, ns),
            None => println!("{} {} {} n/a", peer, w, f),
        }
    }
}
