//! The default `bootstrap`: answers every event with a pre-built HTTP
//! response (`200`, `text/plain`, `Hello World!`) in the shape its
//! integration accepts: REST API (and any other event), HTTP API / function
//! URL, ALB, ALB with multi-value headers (`events::PrebuiltSet`). The
//! answers are built once; each invocation picks one with a bounded scan of
//! the event and writes the POST head and that body in one `writev`.
//!
//! Start-up is the cold start, so this binary (never the library, which
//! forbids `unsafe`) does less before its first `GET /next` than a plain
//! std program (issue 13, measured in docs/performance.md):
//! - [`Arena`], its global allocator: the start-up allocations (buffers,
//!   heads, the answers) come from a static arena instead of zig's musl
//!   `malloc`, which counts CPUs and maps a slab per size class.
//! - `#![no_main]`: libc calls [`main`] directly, skipping std's
//!   `lang_start` (see there for what it would do and what stays).
//! - `__cxa_thread_atexit_impl` (musl builds only, below): std registers thread-local
//!   destructors through it instead of its fallback, a pthread key (whose
//!   set-up blocks and restores signals) and a list grown with libc's
//!   `malloc` directly (which would wake zig's allocator after all).
//! - `pthread_setname_np` (musl builds only, below): `prctl` instead of
//!   musl's, whose `snprintf` would link all of `printf`.

// Not for `cargo test`, whose harness brings its own `main`.
#![cfg_attr(not(test), no_main)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicU64, Ordering};

/// The C `main`, called by libc's start-up code instead of std's
/// `lang_start`, which would first
/// - `poll` fds 0-2 and open `/dev/null` for any closed one: Lambda starts
///   the bootstrap with all three open (stdout and stderr are its logs);
/// - set SIGPIPE to `SIG_IGN`: done here, as the runtime needs it (it
///   `writev`s to the Runtime API socket, and `writev` has no
///   `MSG_NOSIGNAL`: a closed socket must be an `EPIPE` error, not death);
/// - install the stack-overflow handler (`sigaltstack`, a guard page,
///   SIGSEGV/SIGBUS handlers) for its message: the static build
///   (`-Cpanic=immediate-abort`) has none anyway; an overflow still faults
///   on the guard page below the main stack and ends the process;
/// - name the main thread and keep `argc`/`argv` for `std::env::args`
///   (empty here on musl): this binary reads neither.
///
/// Nothing else changes: `std::process::exit` (how the runtime ends) still
/// flushes stdout, and panics abort as before (a panic cannot unwind out of
/// an `extern "C"` function).
#[cfg(not(test))]
#[no_mangle]
extern "C" fn main(
    _argc: std::ffi::c_int,
    _argv: *const *const std::ffi::c_char,
) -> std::ffi::c_int {
    extern "C" {
        fn signal(signum: std::ffi::c_int, handler: usize) -> usize;
    }
    const SIGPIPE: std::ffi::c_int = 13; // Linux, every architecture Lambda runs
    const SIG_IGN: usize = 1;
    // SAFETY: signal(2) with SIG_IGN installs no handler code; nothing else
    // runs yet that could race with it.
    unsafe { signal(SIGPIPE, SIG_IGN) };
    let hello = lambda_zero::events::PrebuiltSet::text(200, "text/plain", "Hello World!");
    lambda_zero::run_prebuilt_per_event(|event| hello.for_event(event))
}

/// Where std registers the destructor of a thread-local value (a weak
/// symbol it looks for: glibc has it, musl has not). Registers nothing, so
/// no destructor runs at thread exit, which changes nothing in this binary:
/// no thread ends before the process does (the workers only stop by
/// exiting the process, see `runtime::spawn_workers`), and at process exit
/// std runs no thread-local destructors anyway. What they would free, the
/// runtime's per-thread log line and request ids, lives as long as the
/// process.
#[cfg(target_env = "musl")]
#[no_mangle]
extern "C" fn __cxa_thread_atexit_impl(
    _dtor: unsafe extern "C" fn(*mut u8),
    _obj: *mut u8,
    _dso_handle: *mut u8,
) -> std::ffi::c_int {
    0
}

/// Where std names a thread it spawned (`thread_start`, on the new thread
/// itself, only for a named thread: the runtime names none). musl's version
/// also renames other threads, through `/proc/self/task/%d/comm`, and that
/// `snprintf` links musl's whole `printf` (-9 KB stripped, its code pages at
/// start-up). std only ever passes `pthread_self()`, which `PR_SET_NAME`
/// renames directly, as musl's own fast path does.
#[cfg(all(target_env = "musl", not(test)))]
#[no_mangle]
extern "C" fn pthread_setname_np(_thread: usize, name: *const std::ffi::c_char) -> std::ffi::c_int {
    extern "C" {
        fn prctl(option: std::ffi::c_int, ...) -> std::ffi::c_int;
    }
    const PR_SET_NAME: std::ffi::c_int = 15;
    // SAFETY: PR_SET_NAME reads a NUL-terminated string of at most 16
    // bytes, which std truncates `name` to; it only names this thread.
    if unsafe { prctl(PR_SET_NAME, name, 0usize, 0usize, 0usize) } == 0 {
        0
    } else {
        std::io::Error::last_os_error().raw_os_error().unwrap_or(22)
    }
}

/// Bytes of the arena: the buffers, heads and answers of one worker fit
/// with room to spare; more workers (`AWS_LAMBDA_MAX_CONCURRENCY`) and
/// grown buffers fall back to [`System`]. It lives in `.bss`: no bytes in
/// the file, no page touched until used. At most 4 GiB (offsets are u32).
const ARENA_BYTES: usize = 256 * 1024;

/// Blocks of at least this many bytes come from the top of the arena,
/// smaller ones from the bottom. At start-up the large ones are buffers and
/// reserved capacities (the receive and send buffers, request ids, the log
/// line), which stay untouched until the first event, and the small ones
/// are the heads and answers, written at once: they then share one or two
/// pages instead of being strewn between untouched buffers (each page is a
/// fault; 512 measured one fault fewer than 4096, scripts/build-levers.sh).
/// 1024 since the request heads are one block of about 650 bytes, written
/// at once: at 512 it went to the top and touched a page of its own
/// (`scripts/startup-profile.sh`, 40 runs: 9 faults at 512, 8 at 1024, as
/// before the heads were one block).
const LARGE: usize = 1024;

/// A bump allocator over a static arena, falling back to [`System`] once
/// the arena is used up.
///
/// Small blocks are bumped up from the bottom, large ones down from the
/// top; the arena is full where the two meet. It never reuses arena
/// memory: `dealloc` of an arena block does nothing (the runtime allocates
/// its buffers once and keeps them, so what is lost is bounded by the
/// arena), `realloc` grows the last small block in place or moves the
/// block. Memory between the two ends has never been handed out, so it
/// still holds the zeroes of `.bss` and `alloc_zeroed` skips the `memset`
/// (which would touch every page of a buffer at once).
struct Arena {
    /// The arena's bytes (only ever accessed through pointers handed out).
    bytes: UnsafeCell<[u8; ARENA_BYTES]>,
    /// Both ends in one word, so one compare-exchange moves either: the
    /// bytes handed out from the bottom in the low 32 bits, those from the
    /// top in the high 32 bits. Zero at first, so the whole static is
    /// zeroes and stays in `.bss` (a non-zero word would put the arena
    /// into `.data`, in the file).
    ends: AtomicU64,
}

// SAFETY: `bytes` is never read or written through `&self`; every byte is
// handed out at most once, to one caller, by the compare-exchange on `ends`
// (below), so threads never share a byte through the arena itself.
unsafe impl Sync for Arena {}

#[global_allocator]
static ALLOCATOR: Arena = Arena {
    bytes: UnsafeCell::new([0; ARENA_BYTES]),
    ends: AtomicU64::new(0),
};

/// `ends` for the bottom blocks ending at offset `low` and the top ones
/// starting at offset `high`.
fn pack(low: usize, high: usize) -> u64 {
    ((ARENA_BYTES - high) as u64) << 32 | low as u64
}

/// The offsets `(low, high)` that `ends` stands for (see [`pack`]).
fn unpack(ends: u64) -> (usize, usize) {
    (
        (ends & 0xffff_ffff) as usize,
        ARENA_BYTES - (ends >> 32) as usize,
    )
}

impl Arena {
    fn base(&self) -> *mut u8 {
        self.bytes.get().cast()
    }

    /// Whether `ptr` was handed out by the arena.
    fn owns(&self, ptr: *mut u8) -> bool {
        let (base, p) = (self.base() as usize, ptr as usize);
        p >= base && p < base + ARENA_BYTES
    }

    /// Hands out a block of `layout` from the end its size calls for, or
    /// None when it does not fit. Threads race only on `ends`: the
    /// compare-exchange makes each range belong to exactly one caller.
    fn bump(&self, layout: Layout) -> Option<*mut u8> {
        let (size, align) = (layout.size(), layout.align());
        // Alignment is of addresses: `base` itself is only 1-aligned (so the
        // first small blocks share the page of `.data` before it, which is
        // touched anyway).
        let base = self.base() as usize;
        let mut ends = self.ends.load(Ordering::Relaxed);
        loop {
            let (low, high) = unpack(ends);
            let (start, new) = if size >= LARGE {
                let start = ((base + high.checked_sub(size)?) & !(align - 1)).checked_sub(base)?;
                (start, pack(low, start))
            } else {
                let start = (base + low).checked_next_multiple_of(align)? - base;
                (start, pack(start + size, high))
            };
            if start < low || start + size > high {
                return None;
            }
            match self
                .ends
                .compare_exchange_weak(ends, new, Ordering::Relaxed, Ordering::Relaxed)
            {
                // SAFETY: low <= start, start + size <= high <= ARENA_BYTES.
                Ok(_) => return Some(unsafe { self.base().add(start) }),
                Err(now) => ends = now,
            }
        }
    }

    /// Grows the block at `offset` from `size` to `new_size` bytes in place
    /// if it is the last small block and the arena has room.
    fn grow_in_place(&self, offset: usize, size: usize, new_size: usize) -> bool {
        let ends = self.ends.load(Ordering::Relaxed);
        let (low, high) = unpack(ends);
        if low != offset + size || new_size >= LARGE || offset + new_size > high {
            return false;
        }
        let new = pack(offset + new_size, high);
        self.ends
            .compare_exchange(ends, new, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
    }
}

// SAFETY: every block is either a range of the arena handed out once by
// `bump` (aligned as asked, `size` bytes, inside the arena, never handed out
// again) or comes from `System` with the caller's layout and goes back to it
// (`owns` tells them apart: the arena is one static range).
unsafe impl GlobalAlloc for Arena {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        match self.bump(layout) {
            Some(p) => p,
            // SAFETY: the caller's layout, as GlobalAlloc::alloc requires.
            None => unsafe { System.alloc(layout) },
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        match self.bump(layout) {
            // Never handed out before: still the zeroes of `.bss`.
            Some(p) => p,
            // SAFETY: as in `alloc`.
            None => unsafe { System.alloc_zeroed(layout) },
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if !self.owns(ptr) {
            // SAFETY: not the arena's, so System's, with this layout.
            unsafe { System.dealloc(ptr, layout) }
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if !self.owns(ptr) {
            // SAFETY: System's block, the caller's layout and new size.
            return unsafe { System.realloc(ptr, layout, new_size) };
        }
        if new_size <= layout.size() {
            return ptr; // shrink in place; the tail is simply not reused
        }
        let offset = ptr as usize - self.base() as usize;
        if self.grow_in_place(offset, layout.size(), new_size) {
            return ptr;
        }
        // SAFETY: new_size is non-zero (> layout.size()) and, by the
        // caller's contract, does not overflow isize when rounded up to
        // the alignment, which is the old, valid layout's.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        // SAFETY: a valid, non-zero layout, as above.
        let new = unsafe { self.alloc(new_layout) };
        if !new.is_null() {
            // SAFETY: both blocks are valid for layout.size() bytes and
            // distinct (the new one was never handed out before).
            unsafe { std::ptr::copy_nonoverlapping(ptr, new, layout.size()) };
        }
        new
    }
}
