//! A handler that panics on every event whose body contains `panic`, and
//! answers the rest: `scripts/panic-check.sh` builds it with
//! `panic = "unwind"` (the panic is reported as `Runtime.Panic` and the
//! process serves on) and with `panic = "abort"` (the panic hook reports it
//! before the process ends).

fn main() {
    lambda_zero::run(|inv, out| {
        if inv.event.windows(5).any(|w| w == b"panic") {
            panic!("the event asked for it");
        }
        out.write_bytes(b"{\"ok\":true}");
        Ok::<(), std::convert::Infallible>(())
    })
}
