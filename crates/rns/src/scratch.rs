//! Reusable word buffers: fresh pages cost a fault and a kernel memset each, which showed
//! up as a tenth of a key switch at N = 2^16.

use std::cell::RefCell;
use std::sync::Mutex;

thread_local! {
    /// Per-thread scratch rows, kept between calls so hot loops do not fault fresh pages.
    static SCRATCH: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` on `len` words of this thread's scratch (contents unspecified).
pub(crate) fn with_scratch<T>(len: usize, f: impl FnOnce(&mut [u64]) -> T) -> T {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buf) => {
            if buf.len() < len {
                buf.resize(len, 0);
            }
            f(&mut buf[..len])
        }
        Err(_) => f(&mut vec![0; len]),
    })
}

/// Large buffers recycled between calls (a few, of public ciphertext data): fresh pages cost
/// a fault and a kernel memset each, which showed up as a tenth of a key switch.
static POOL: Mutex<Vec<Vec<u64>>> = Mutex::new(Vec::new());
const POOL_MAX: usize = 8;

/// A buffer of `len` words from the pool (contents unspecified) or a fresh one.
pub(crate) fn take_buffer(len: usize) -> Vec<u64> {
    let mut pool = POOL.lock().unwrap_or_else(|e| e.into_inner());
    let found = pool.iter().position(|v| v.capacity() >= len);
    let mut v = found.map_or_else(Vec::new, |i| pool.swap_remove(i));
    drop(pool);
    v.resize(len, 0);
    v.truncate(len);
    v
}

pub(crate) fn give_buffer(v: Vec<u64>) {
    let mut pool = POOL.lock().unwrap_or_else(|e| e.into_inner());
    if pool.len() < POOL_MAX {
        pool.push(v);
    }
}
