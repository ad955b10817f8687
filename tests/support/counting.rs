//! A counting global allocator for the zero-allocation tests: counts the
//! allocations of the threads that ask for it (per thread, so tests running
//! in parallel do not mix their counts). Include with
//! `#[path = "support/counting.rs"] mod counting;` — the `#[global_allocator]`
//! comes along.
//!
//! This needs `unsafe` for `GlobalAlloc`; the crate itself forbids it.
#![allow(dead_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    /// This thread's allocations, `None` on threads that are not counted.
    /// (Per thread, so tests running in parallel do not mix their counts.)
    static ALLOCATIONS: Cell<Option<usize>> = const { Cell::new(None) };
}

fn count() {
    let _ = ALLOCATIONS.try_with(|c| c.set(c.get().map(|n| n + 1)));
}

// SAFETY: every call is forwarded unchanged to the system allocator.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        System.alloc(layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        System.alloc_zeroed(layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        System.realloc(ptr, layout, new_size)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations made so far by this (counted) thread.
pub fn allocations() -> usize {
    ALLOCATIONS
        .with(Cell::get)
        .expect("called on a counted thread")
}

/// Runs `f` on a fresh thread whose allocations are counted.
pub fn counted<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::spawn(move || {
        ALLOCATIONS.with(|c| c.set(Some(0)));
        f()
    })
    .join()
    .expect("runtime thread")
}

/// Starts counting this thread's allocations (for threads a test does not
/// spawn itself, e.g. the runtime's workers); no-op if already counting.
pub fn count_this_thread() {
    ALLOCATIONS.with(|c| {
        if c.get().is_none() {
            c.set(Some(0));
        }
    });
}
